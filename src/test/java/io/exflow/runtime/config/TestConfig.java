package io.exflow.runtime.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

import org.eclipse.microprofile.config.Config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A configuration as a process sees it: application.properties' defaults, {@code env} over them. */
public final class TestConfig {
    private TestConfig() {
    }

    /** {@code env} holds environment variables (CONCURRENCY) or keys (exflow.concurrency). */
    public static Config withEnv(Map<String, String> env) {
        try {
            return new SmallRyeConfigBuilder().addDefaultInterceptors()
                    .withSources(new PropertiesConfigSource(TestConfig.class.getResource("/application.properties"), 100))
                    .withSources(new PropertiesConfigSource(new HashMap<>(env), "env", 300))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
