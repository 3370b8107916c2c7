# Dockerfile.jvm edited without the pom's JKube image: another base, another user, no 9000.
# expect: base image: Dockerfile registry.access.redhat.com/ubi9/openjdk-21-runtime:1.24
# expect: user: Dockerfile 1000
# expect: ports: Dockerfile [8080]
FROM registry.access.redhat.com/ubi9/openjdk-21-runtime:1.24
ENV LANGUAGE='en_US:en'
COPY --chown=185 target/quarkus-app/lib/ /deployments/lib/
COPY --chown=185 target/quarkus-app/*.jar /deployments/
COPY --chown=185 target/quarkus-app/app/ /deployments/app/
COPY --chown=185 target/quarkus-app/quarkus/ /deployments/quarkus/
EXPOSE 8080
USER 1000
ENV JAVA_APP_JAR="/deployments/quarkus-run.jar"
ENV JAVA_OPTS_APPEND="-Dquarkus.http.host=0.0.0.0 -Djava.util.logging.manager=org.jboss.logmanager.LogManager"
ENTRYPOINT ["/opt/jboss/container/java/run/run-java.sh"]
