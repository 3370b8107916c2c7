# expect: ENTRYPOINT in shell form
# expect: does not EXPOSE the management port 9000
FROM registry.access.redhat.com/ubi9/openjdk-21-runtime:1.23
COPY target/quarkus-app/ /deployments/
EXPOSE 8080
USER 185
ENTRYPOINT java -jar /deployments/quarkus-run.jar
