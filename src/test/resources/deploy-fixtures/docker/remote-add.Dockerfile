# expect: ADD of a URL
# expect: pipes a download into a shell
FROM registry.access.redhat.com/ubi9/ubi-minimal:9.7
ADD https://example.com/tool.tar.gz /opt/
RUN curl -fsSL https://example.com/install.sh | sh
EXPOSE 9000
USER 1001
ENTRYPOINT ["/opt/tool"]
