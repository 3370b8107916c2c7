# dockerfile-utils rejects an unknown instruction and an instruction without arguments.
# expect: Unknown instruction: COPPY
# expect: Instruction has no arguments
FROM registry.access.redhat.com/ubi9/openjdk-21-runtime:1.23
COPPY target/quarkus-app/ /deployments/
EXPOSE 9000
USER
ENTRYPOINT ["/opt/jboss/container/java/run/run-java.sh"]
