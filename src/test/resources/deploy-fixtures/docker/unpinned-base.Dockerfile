# expect: uses :latest
# expect: base image ubuntu has no tag
FROM quay.io/quarkus/ubi9-quarkus-mandrel-builder-image:latest AS build
RUN echo build
FROM ubuntu
COPY --from=build /code/target/app-runner /work/application
EXPOSE 9000
USER 1001
ENTRYPOINT ["/work/application"]
