#!/bin/sh
# The part of the UBI OpenJDK image's run-java.sh that exflow's JVM image uses: the heap as a
# share of the container's memory limit (JAVA_MAX_MEM_RATIO, default 80 as in the UBI image),
# JAVA_OPTS and JAVA_OPTS_APPEND, then exec java -jar JAVA_APP_JAR so java is PID 1 and gets SIGTERM.
set -eu
exec java -XX:MaxRAMPercentage="${JAVA_MAX_MEM_RATIO:-80}" ${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-} -jar "${JAVA_APP_JAR:?JAVA_APP_JAR is not set}" "$@"
