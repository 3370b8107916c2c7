package io.exflow.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The configuration table documents every environment variable the application reads. */
class ConfigurationDocTest {
    @Test
    void everyVariableInApplicationPropertiesIsDocumented() throws IOException {
        String properties = Files.readString(Path.of("src/main/resources/application.properties"));
        Set<String> variables = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)").matcher(properties);
        while (m.find()) {
            variables.add(m.group(1));
        }
        String doc = Files.readString(Path.of("docs/configuration.md"));
        assertThat(variables).isNotEmpty().allSatisfy(v -> assertThat(doc).contains("`" + v + "`"));
    }
}
