// Small DOM helpers: elements are built with h(), never from HTML strings, so data is always text.

let nextId = 0;

/** h('button', {type: 'button', onclick: f}, 'Save') */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'value') {
      element.value = value;
    } else if (name === 'checked') {
      element.checked = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(element, child);
    } else {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
}

/** A labelled form control: the label names the input for screen readers. */
export function field(labelText, input, hint) {
  const id = input.id || 'f' + ++nextId;
  input.id = id;
  const parts = [h('label', { for: id }, labelText), input];
  if (hint) {
    const hintId = id + '-hint';
    input.setAttribute('aria-describedby', hintId);
    parts.push(h('small', { id: hintId, class: 'hint' }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

export function input(attributes) {
  return h('input', { type: 'text', ...attributes });
}

export function select(name, options, selected) {
  return h('select', { name }, options.map(([value, text]) =>
    h('option', { value, selected: String(value) === String(selected) ? 'selected' : null }, text)));
}

export function table(caption, headers, rows, attributes) {
  // Each cell knows its column's name, so that on a phone rows can be shown as labelled cards.
  for (const row of rows) {
    [...row.children].forEach((cell, i) => {
      if (headers[i]) {
        cell.dataset.label = headers[i];
      }
    });
  }
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', attributes || {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows.length ? rows
        : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'Nothing yet.')))));
}

/** A message area for a form: errors are announced (role=alert). */
export function messageArea() {
  return h('p', { class: 'message', role: 'alert', 'aria-live': 'assertive' });
}

export function showError(area, error) {
  area.className = 'message error';
  area.textContent = error.field ? `${error.message} (${error.field})` : error.message;
}

export function showOk(area, text) {
  area.className = 'message ok';
  area.textContent = text;
}

export function toast(text) {
  const box = document.getElementById('toast');
  box.textContent = text;
  box.classList.add('shown');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove('shown'), 4000);
}

export function time(iso) {
  if (!iso) {
    return '–';
  }
  const date = new Date(iso);
  return h('time', { datetime: iso, title: iso }, date.toLocaleString());
}

export function number(value) {
  return value === null || value === undefined ? '–' : Number(value).toLocaleString();
}

export function badge(text, kind) {
  return h('span', { class: 'badge ' + (kind || text) }, text);
}

/** A list of model names or globs as typed: separated by commas or white space. */
export function modelList(text) {
  return text.split(/[\s,]+/).map((m) => m.trim()).filter(Boolean);
}

/** Reads a form control as a whole number, null when empty. */
export function intOrNull(control) {
  const text = control.value.trim();
  if (text === '') {
    return null;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : text; // the server names the field if it is not a whole number
}

export function section(title, ...children) {
  const id = 'h' + ++nextId;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), children);
}
