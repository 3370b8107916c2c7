# expect: never sets USER
FROM registry.access.redhat.com/ubi9/openjdk-21-runtime:1.23
COPY target/quarkus-app/ /deployments/
EXPOSE 8080 9000
ENTRYPOINT ["/opt/jboss/container/java/run/run-java.sh"]
