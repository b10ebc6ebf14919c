package io.ollamagateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Calibration learns per tenant and model, within bounds, and forgets the least recently used. */
class CalibrationTest {

  @Test
  void aNewTenantStartsFromTheDefaultWhateverOthersLearned() {
    Calibration calibration = new Calibration();
    calibration.learn("user:1", "m", 10, 70);
    assertThat(calibration.estimate("user:1", "m", 10)).isEqualTo(70);
    assertThat(calibration.isCalibrated("user:1", "m")).isTrue();
    assertThat(calibration.isCalibrated("user:2", "m")).isFalse();
    assertThat(calibration.estimate("user:2", "m", 100)).isEqualTo((long) (100 * Calibration.DEFAULT_RATIO));
    assertThat(calibration.estimate("user:1", "other", 100)).isEqualTo((long) (100 * Calibration.DEFAULT_RATIO));
  }

  @Test
  void ratiosAreBoundedAndOutliersIgnored() {
    Calibration calibration = new Calibration();
    calibration.learn("t", "m", 10, 10_000);
    assertThat(calibration.isCalibrated("t", "m")).as("beyond the bound: ignored").isFalse();
    calibration.learn("t", "m", 100, 50);
    assertThat(calibration.estimate("t", "m", 100)).as("never below the raw estimate").isEqualTo(100);
    for (int i = 0; i < 3; i++) {
      calibration.learn("t", "m", 100, 200);
    }
    long settled = calibration.estimate("t", "m", 100);
    calibration.learn("t", "m", 100, 700); // a count far from what was learned, once
    assertThat(calibration.estimate("t", "m", 100)).isEqualTo(settled);
  }

  @Test
  void memoryIsBounded() {
    Calibration calibration = new Calibration(2);
    calibration.learn("a", "m", 10, 20);
    calibration.learn("b", "m", 10, 20);
    calibration.learn("c", "m", 10, 20);
    assertThat(calibration.isCalibrated("a", "m")).isFalse();
    assertThat(calibration.isCalibrated("c", "m")).isTrue();
  }
}
