# expect: ENV DB_PASSWORD bakes a secret into the image
# expect: the final USER is root
FROM registry.access.redhat.com/ubi9/openjdk-21-runtime:1.23
ENV DB_PASSWORD=hunter2
EXPOSE 9000
USER root
ENTRYPOINT ["/opt/jboss/container/java/run/run-java.sh"]
