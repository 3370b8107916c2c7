package io.exflow.runtime.config;

import org.eclipse.microprofile.config.Config;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.event.CloudEventCodec;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Parses and validates the settings once; a bad setting fails start-up naming its variable. */
public class SettingsProducer {

    @Produces
    @Singleton
    ExflowSettings settings(Config config) {
        return ExflowSettings.load(config);
    }

    /** The clock idempotency claims and the retention job read (UTC). */
    @Produces
    @Singleton
    java.time.Clock clock() {
        return java.time.Clock.systemUTC();
    }

    @Produces
    @Singleton
    CloudEventCodec codec(ObjectMapper mapper) {
        return new CloudEventCodec(mapper);
    }
}
