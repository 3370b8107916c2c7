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

    /** An SQLException as unchecked, keeping its SQLState for failure classification. */
    final class DataAccessFailure extends RuntimeException {
        public DataAccessFailure(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
