package io.exflow.secured;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throw-away certificate authority and one server certificate for {@code localhost} and
 * {@code 127.0.0.1}, made with the openssl CLI into a directory under target/ at test time (no
 * key is ever committed). PostgreSQL, Redis and Kafka all present the same server certificate;
 * clients trust only {@link #caCert()}.
 */
record TestPki(Path dir) {
    static final String KEYSTORE_PASSWORD = "keystore-pass";

    static TestPki create(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("server.ext"), """
                    basicConstraints=CA:FALSE
                    keyUsage=critical,digitalSignature,keyEncipherment
                    extendedKeyUsage=serverAuth
                    subjectAltName=DNS:localhost,IP:127.0.0.1
                    """);
            Shell.run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=exflow test CA", "-keyout", "ca.key", "-out", "ca.crt",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            Shell.run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-keyout", "server.key", "-out", "server.csr");
            Shell.run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.crt");
            Shell.run(dir, "openssl", "pkcs12", "-export", "-in", "server.crt", "-inkey", "server.key", "-certfile", "ca.crt",
                    "-name", "server", "-out", "server.p12", "-passout", "pass:" + KEYSTORE_PASSWORD);
            return new TestPki(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write test certificates to " + dir, e);
        }
    }

    Path caCert() {
        return dir.resolve("ca.crt");
    }

    Path serverCert() {
        return dir.resolve("server.crt");
    }

    Path serverKey() {
        return dir.resolve("server.key");
    }

    /** PKCS#12 with the server key and chain, for the Kafka broker. */
    Path serverKeystore() {
        return dir.resolve("server.p12");
    }
}
