package io.exflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import io.exflow.runtime.delivery.Jdbc;

/** A request failing because the database is unreachable is a 503 to retry, not a 500. */
class ProblemMappersTest {
    final ProblemMappers mappers = new ProblemMappers();

    @Test
    void databaseOutageIs503WithRetryAfter() {
        var response = mappers.unexpected(new Jdbc.DataAccessFailure(new SQLException("Connection refused", "08001")));
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("5");
    }

    @Test
    void anythingElseUnexpectedIs500() {
        assertThat(mappers.unexpected(new IllegalStateException("bug")).getStatus()).isEqualTo(500);
    }
}
