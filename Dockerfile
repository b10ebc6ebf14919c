# syntax=docker/dockerfile:1
# Ollama Gateway container: built with Maven, run on a slim JRE as an unprivileged user.
#   docker build -t ollama-gateway .
#   docker run -p 8000:8000 -e PROXY_AUTH_TOKEN=change-me ollama-gateway
# Or the whole stack with PostgreSQL and Redis: docker compose up -d --build (see docs/operations.md).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY src src
# the Maven repository is a build cache, not part of any image
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package
# SQLite's and Netty's native libraries for this platform, out of the jar: the driver and Netty are pointed at
# them (JDK_JAVA_OPTIONS below) instead of unpacking copies into /tmp (and running uname) at every start
RUN mkdir /src/native && cd /src/native \
 && jar xf /src/target/ollama-gateway.jar "org/sqlite/native/Linux/$(uname -m)/libsqlitejdbc.so" META-INF/native/ \
 && mv org/sqlite/native/Linux/*/libsqlitejdbc.so META-INF/native/*.so . && rm -r org META-INF

FROM eclipse-temurin:17-jre
# curl for the health check; nothing else is added to the JRE image
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system ollama-gateway \
 && useradd --system --gid ollama-gateway --home-dir /var/lib/ollama-gateway --shell /usr/sbin/nologin ollama-gateway \
 && mkdir -p /var/lib/ollama-gateway/data /opt/ollama-gateway/config \
 && chown -R ollama-gateway:ollama-gateway /var/lib/ollama-gateway
COPY --from=build /src/target/ollama-gateway.jar /opt/ollama-gateway/ollama-gateway.jar
COPY --from=build /src/native/ /opt/ollama-gateway/lib/
COPY config/config.example.yaml /opt/ollama-gateway/config/config.example.yaml
# Class-data sharing: a training run (the gateway in front of its emulator, a few requests) lists the classes
# it loads, and the JVM archives them where the jar is for good; it halves the CPU spent to start (issue 27).
COPY src/dist/cds-classlist.sh src/dist/common.sh /tmp/cds/
RUN sh /tmp/cds/cds-classlist.sh java /opt/ollama-gateway/ollama-gateway.jar /tmp/cds/classes.lst \
 && java -Xshare:dump -XX:SharedClassListFile=/tmp/cds/classes.lst -XX:SharedArchiveFile=/opt/ollama-gateway/app.jsa \
      -cp /opt/ollama-gateway/ollama-gateway.jar > /dev/null \
 && rm -r /tmp/cds

# The working directory holds ./data (the SQLite store when DATABASE_URL is unset) and is where .env and
# config/config.yaml would be read; mount a config file there or pass --config.
WORKDIR /var/lib/ollama-gateway
VOLUME ["/var/lib/ollama-gateway/data"]
USER ollama-gateway
# The JVM settings of the distribution's launcher (src/dist/bin/ollama-gateway, where each is explained), and a
# heap bound to the container's memory limit
ENV HOST=0.0.0.0 \
    PORT=8000 \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+UseSerialGC -Xms16m -Xss512k -XX:SharedArchiveFile=/opt/ollama-gateway/app.jsa -Xshare:auto -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -Djava.library.path=/opt/ollama-gateway/lib -Dorg.sqlite.lib.path=/opt/ollama-gateway/lib -Dorg.sqlite.lib.name=libsqlitejdbc.so"
EXPOSE 8000

# /health answers 200 while the process is alive (use /ready for "can serve traffic")
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD if [ -n "${TLS_CERT_FILE:-}" ]; then scheme=https; else scheme=http; fi; \
      curl -fsSk -o /dev/null "$scheme://127.0.0.1:${PORT:-8000}/health" || exit 1

# exec form: java is PID 1 and gets SIGTERM itself (graceful stop within SHUTDOWN_GRACE, then exit 0)
ENTRYPOINT ["java", "-jar", "/opt/ollama-gateway/ollama-gateway.jar"]
CMD ["serve"]
