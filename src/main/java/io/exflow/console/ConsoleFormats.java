package io.exflow.console;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import io.quarkus.qute.TemplateExtension;

/** How the console's templates print times: UTC to the second, e.g. {@code 2026-11-30 14:30:00Z}. */
@TemplateExtension
public final class ConsoleFormats {
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private ConsoleFormats() {
    }

    static String fmt(Instant instant) {
        return UTC.format(instant);
    }
}
