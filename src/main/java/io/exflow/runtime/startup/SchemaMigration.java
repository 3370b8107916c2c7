package io.exflow.runtime.startup;

import org.flywaydb.core.Flyway;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Flyway's migration as the first start-up step instead of Quarkus' migrate-at-start: at boot it
 * would end the process when PostgreSQL is unreachable. Every role runs it (Flyway's lock table
 * serialises replicas starting together; an applied schema is a quick no-op).
 */
@ApplicationScoped
public class SchemaMigration implements StartupStep {
    private final Flyway flyway;

    public SchemaMigration(Flyway flyway) {
        this.flyway = flyway;
    }

    @Override
    public String dependency() {
        return "PostgreSQL (schema migration)";
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    public void run() {
        flyway.migrate();
    }
}
