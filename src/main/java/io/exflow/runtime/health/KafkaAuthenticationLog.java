package io.exflow.runtime.health;

import java.text.MessageFormat;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

import org.apache.kafka.common.errors.AuthenticationException;
import org.jboss.logmanager.ExtLogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * One clear line instead of a flood when Kafka rejects exflow's credentials or certificate.
 * Every Kafka client of the process (a consumer per role, the outbox producer, the admin
 * clients) logs each failed reconnect, about once a second each, and exflow's loops log their
 * failed polls on top. This filter (on the console handler, {@code quarkus.log.console.filter})
 * turns the first such record into one ERROR line that says what to check, names no secret, and
 * drops the rest — with the "disconnected" notices the refused logins cause while they go on; a
 * failure that is still there after {@link #REPEAT_AFTER} is reported again.
 * Readiness ({@link KafkaReadiness}) is DOWN meanwhile, and the clients keep retrying, so work
 * resumes by itself once the broker accepts the credentials.
 */
@LoggingFilter(name = "exflow-kafka-auth")
public final class KafkaAuthenticationLog implements Filter {
    static final Duration REPEAT_AFTER = Duration.ofMinutes(5);
    static final String LOGGER = KafkaAuthenticationLog.class.getName();
    /** What Kafka's clients and exflow's loops write when the broker refuses the login or the TLS handshake. */
    private static final List<String> MARKERS = List.of("failed authentication", "Authentication failed",
            "authentication error", "SSL handshake failed");

    /** A refused login drops the connection: the clients' "disconnected" notices are the same failure. */
    private static final Duration FAILING_RECENTLY = Duration.ofSeconds(5);

    /** Shared by every instance: the process has one log, whichever handlers it has. */
    private static final AtomicLong LAST_REPORTED_NANOS = new AtomicLong(System.nanoTime() - REPEAT_AFTER.toNanos() - 1);
    private static final AtomicLong LAST_FAILURE_NANOS = new AtomicLong(System.nanoTime() - REPEAT_AFTER.toNanos() - 1);

    @Override
    public boolean isLoggable(LogRecord record) {
        if (LOGGER.equals(record.getLoggerName()) || !fromKafkaClients(record)) {
            return true;
        }
        long now = System.nanoTime();
        String reason = authenticationFailure(record);
        if (reason == null) {
            return !(now - LAST_FAILURE_NANOS.get() < FAILING_RECENTLY.toNanos() && disconnectNotice(record));
        }
        LAST_FAILURE_NANOS.set(now);
        long last = LAST_REPORTED_NANOS.get();
        if (now - last <= REPEAT_AFTER.toNanos() || !LAST_REPORTED_NANOS.compareAndSet(last, now)) {
            return false;
        }
        rewrite(record, "Kafka refused exflow's connection: " + reason
                + ". Check KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
                + " (or KAFKA_SASL_JAAS_CONFIG) and KAFKA_SSL_TRUSTSTORE_LOCATION. Readiness stays DOWN and every client"
                + " keeps retrying; repeats are not logged for " + REPEAT_AFTER.toMinutes() + " minutes.");
        return true;
    }

    private static boolean disconnectNotice(LogRecord record) {
        String message = message(record);
        return message != null && message.contains("disconnected");
    }

    private static boolean fromKafkaClients(LogRecord record) {
        String logger = record.getLoggerName();
        return logger != null && (logger.startsWith("org.apache.kafka.clients") || logger.startsWith("org.apache.kafka.common")
                || logger.startsWith("io.exflow.runtime"));
    }

    /** The broker's reason (never a credential: Kafka does not echo them), or null for any other record. */
    static String authenticationFailure(LogRecord record) {
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException) {
                return String.valueOf(t.getMessage());
            }
        }
        String message = message(record);
        if (message == null || MARKERS.stream().noneMatch(message::contains)) {
            return null;
        }
        for (String reason : List.of("Authentication failed", "SSL handshake failed")) {
            if (message.contains(reason)) {
                return message.substring(message.indexOf(reason)).trim();
            }
        }
        int due = message.indexOf("due to: ");
        return due >= 0 ? message.substring(due + "due to: ".length()).trim() : message.trim();
    }

    private static String message(LogRecord record) {
        if (record instanceof ExtLogRecord ext) {
            return ext.getFormattedMessage();
        }
        Object[] parameters = record.getParameters();
        return parameters == null || parameters.length == 0 ? record.getMessage() : MessageFormat.format(record.getMessage(), parameters);
    }

    private static void rewrite(LogRecord record, String message) {
        record.setLoggerName(LOGGER);
        record.setLevel(org.jboss.logmanager.Level.ERROR);
        record.setThrown(null);
        record.setParameters(null);
        if (record instanceof ExtLogRecord ext) {
            ext.setMessage(message, ExtLogRecord.FormatStyle.NO_FORMAT);
        } else {
            record.setMessage(message);
        }
    }
}
