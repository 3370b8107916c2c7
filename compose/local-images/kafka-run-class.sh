#!/bin/bash
# kafka-<tool>.sh: runs the Kafka command line tool the link's name stands for, as the
# distribution's scripts do, with a small heap (the healthcheck runs one every 10 s).
set -euo pipefail
case "$(basename "$0")" in
  kafka-topics.sh) main=org.apache.kafka.tools.TopicCommand ;;
  kafka-broker-api-versions.sh) main=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
  kafka-consumer-groups.sh) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  kafka-console-consumer.sh) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  kafka-get-offsets.sh) main=org.apache.kafka.tools.GetOffsetShell ;;
  *) echo "unknown Kafka tool $(basename "$0")" >&2; exit 2 ;;
esac
exec java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp '/opt/kafka/libs/*' "$main" "$@"
