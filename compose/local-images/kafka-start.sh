#!/bin/bash
# The broker: server.properties from the KAFKA_* environment (as the apache/kafka image maps it:
# strip KAFKA_, lower-case, "_" -> ".", "__" -> "_", "___" -> "-"), storage formatted once.
set -euo pipefail
config=/opt/kafka/config/server.properties
: > "$config"
while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS) continue ;;
    KAFKA_*)
      key="${name#KAFKA_}"; key="${key,,}"
      key="${key//___/-}"; key="${key//__/@}"; key="${key//_/.}"; key="${key//@/_}"
      printf '%s=%s\n' "$key" "$value" >> "$config" ;;
  esac
done < <(env)
logdir="$(sed -n 's/^log\.dirs=//p' "$config")"
java_opts=(${KAFKA_HEAP_OPTS:--Xmx512m} -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp '/opt/kafka/libs/*')
if [ ! -f "${logdir:-/var/lib/kafka/data}/meta.properties" ]; then
  java "${java_opts[@]}" kafka.tools.StorageTool format -t "${CLUSTER_ID:-$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)}" -c "$config"
fi
exec java "${java_opts[@]}" kafka.Kafka "$config"
