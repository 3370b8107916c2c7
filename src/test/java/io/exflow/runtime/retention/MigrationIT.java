package io.exflow.runtime.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import io.exflow.runtime.delivery.IdempotencyClaims;
import io.exflow.testing.ExflowTestResources;

/**
 * The V7 migrations on a populated database: a schema is migrated to V5 (today's schema before
 * this change), filled, then migrated to the latest version; the rows are all there, in the new
 * partitioned tables, and the old claims still refuse duplicates.
 */
class MigrationIT {
    final String schema = "exflow_m_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
    final PGSimpleDataSource dataSource = new PGSimpleDataSource();

    MigrationIT() {
        dataSource.setUrl(ExflowTestResources.PG_ADMIN_URL + "?currentSchema=" + schema);
        dataSource.setUser(ExflowTestResources.PG_USER);
    }

    Flyway flyway(String target) {
        return Flyway.configure().dataSource(dataSource).schemas(schema).createSchemas(true)
                .locations("classpath:db/migration").target(target).load();
    }

    long count(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    void execute(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @AfterEach
    void dropSchema() throws Exception {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @Test
    void populatedV5SchemaMigratesWithItsDataAndDuplicateProtection() throws Exception {
        flyway("5").migrate();
        execute("INSERT INTO tenant (id, name, status, domain, policy) VALUES ('t1', 'T', 'ACTIVE', 'finance', '{}')");
        execute("INSERT INTO processed_event (consumer, event_id, processed_at) SELECT 'exflow-intake', gen_random_uuid(), "
                + "now() - g * interval '1 minute' FROM generate_series(1, 20000) g");
        execute("INSERT INTO exception_record (id, tenant_id, state, exception_type, ingested_at, payload) "
                + "SELECT gen_random_uuid(), 't1', 'TRIAGED', 'X', now() - g * interval '1 minute', '{}' FROM generate_series(1, 500) g");
        execute("INSERT INTO exception_timeline (exception_id, tenant_id, event_type, actor, at) "
                + "SELECT id, tenant_id, 'exflow.exception.normalized', 'intake', ingested_at FROM exception_record");
        List<UUID> oldClaims = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT event_id FROM processed_event ORDER BY random() LIMIT 50")) {
            while (rs.next()) {
                oldClaims.add(rs.getObject(1, UUID.class));
            }
        }
        long maxTimelineId = count("SELECT max(id) FROM exception_timeline");

        flyway("latest").migrate();

        assertThat(count("SELECT count(*) FROM processed_event")).isEqualTo(20000);
        assertThat(count("SELECT count(*) FROM processed_event_legacy")).isEqualTo(20000);
        assertThat(count("SELECT count(*) FROM exception_timeline")).isEqualTo(500);
        assertThat(count("SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '" + schema + "' "
                + "AND c.relname IN ('processed_event', 'exception_timeline')")).isEqualTo(2);
        IdempotencyClaims claims = new IdempotencyClaims(dataSource, Clock.systemUTC());
        assertThat(claims.claimAll("exflow-intake", oldClaims)).isEmpty();
        UUID fresh = UUID.randomUUID();
        assertThat(claims.claimAll("exflow-intake", List.of(fresh, oldClaims.get(0)))).containsExactly(fresh);
        assertThat(claims.claimAll("exflow-intake", List.of(fresh))).isEmpty();
        // A claim by another consumer of the same event is its own.
        assertThat(claims.claimAll("exflow-triage", List.of(fresh))).containsExactly(fresh);

        execute("INSERT INTO exception_timeline (exception_id, tenant_id, event_type, actor) "
                + "SELECT id, tenant_id, 'later', 'test' FROM exception_record LIMIT 1");
        assertThat(count("SELECT max(id) FROM exception_timeline")).isGreaterThan(maxTimelineId);
    }
}
