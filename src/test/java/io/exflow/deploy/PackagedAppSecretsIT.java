package io.exflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * What goes into the images holds no secret: the packaged app (target/quarkus-app, which the JVM
 * image copies; the package phase ran before this) and src/main (which the native image's build
 * stage copies) contain no private key, and application.properties has no password default.
 * Third-party jars in lib/ are not ours and are skipped.
 */
class PackagedAppSecretsIT {

    @Test
    void noPrivateKeyOrPasswordInWhatTheImagesCopy() throws IOException {
        List<String> found = new ArrayList<>();
        Path app = Path.of("target/quarkus-app");
        assertThat(app.resolve("quarkus-run.jar")).exists();
        try (Stream<Path> files = Stream.concat(Files.walk(app).filter(p -> !p.startsWith(app.resolve("lib"))),
                Files.walk(Path.of("src/main")))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (f.toString().endsWith(".jar")) {
                    try (ZipFile zip = new ZipFile(f.toFile())) {
                        for (ZipEntry e : zip.stream().toList()) {
                            try (InputStream in = zip.getInputStream(e)) {
                                scan(f + "!" + e.getName(), in.readAllBytes(), found);
                            }
                        }
                    }
                } else {
                    scan(f.toString(), Files.readAllBytes(f), found);
                }
            }
        }
        assertThat(found).as("secrets in what the images copy").isEmpty();

        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            props.load(in);
        }
        for (String key : props.stringPropertyNames()) {
            String value = props.getProperty(key);
            if (key.matches("(?i).*(password|secret|private-key).*") && !key.startsWith("%test.") && !key.startsWith("%dev.")) {
                assertThat(value).as(key + " must have no default other than an empty one").matches("\\$\\{[A-Z_]+:}");
            }
        }
    }

    private static void scan(String name, byte[] content, List<String> found) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        if (text.contains("PRIVATE KEY-----")) {
            found.add(name + " holds a private key");
        }
    }
}
