package io.exflow.runtime.delivery;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * JDBC inside the caller's JTA transaction: Agroal hands back the connection already enlisted
 * in it, so these statements commit or roll back with the handler's Hibernate writes.
 */
@FunctionalInterface
public interface Jdbc<T> {
    T run(Connection connection) throws SQLException;

    static <T> T with(DataSource dataSource, Jdbc<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new DataAccessFailure(e);
        }
    }

    /**
     * Runs one INSERT, UPDATE or DELETE with these parameters (in order; an {@link java.time.Instant}
     * is bound as a timestamp) and returns the rows it changed.
     */
    static int update(DataSource dataSource, String sql, Object... parameters) {
        return with(dataSource, c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    Object p = parameters[i];
                    ps.setObject(i + 1, p instanceof java.time.Instant at ? java.sql.Timestamp.from(at) : p);
                }
                return ps.executeUpdate();
            }
        });
    }

    /** An SQLException as unchecked, keeping its SQLState for failure classification. */
    final class DataAccessFailure extends RuntimeException {
        public DataAccessFailure(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
