package io.exflow.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Real dependencies for @QuarkusTest: the shared in-process Kafka, a fresh PostgreSQL schema
 * on the local server (dropped afterwards), and a fresh Redis key prefix — so no test run
 * depends on data left by another.
 */
public class ExflowTestResources implements QuarkusTestResourceLifecycleManager {
    public static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    public static final String PG_USER = "postgres";

    private String schema;

    @Override
    public Map<String, String> start() {
        schema = "exflow_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        return Map.of(
                "kafka.bootstrap.servers", KafkaTestCluster.bootstrapServers(),
                "quarkus.datasource.jdbc.url", PG_ADMIN_URL + "?currentSchema=" + schema,
                "quarkus.datasource.username", PG_USER,
                "quarkus.flyway.schemas", schema,
                "quarkus.flyway.create-schemas", "true",
                "quarkus.hibernate-orm.database.default-schema", schema,
                "exflow.redis.key-prefix", schema + ":",
                "exflow.test.schema", schema);
    }

    @Override
    public void stop() {
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL, PG_USER, "");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (Exception e) {
            System.err.println("could not drop test schema " + schema + ": " + e.getMessage());
        }
    }
}
