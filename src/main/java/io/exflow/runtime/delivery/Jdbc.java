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
     * Runs {@code work} in a short transaction of its own whose commit does not wait for the WAL
     * flush ({@code synchronous_commit = off}): committed in PostgreSQL, it survives this process
     * ending at any moment after; only a crash of PostgreSQL itself within a few hundred
     * milliseconds could lose it. For bookkeeping whose loss costs little (a delivery count), on a
     * path where one more flush wait per batch would be paid by every hop. Outside any JTA transaction.
     */
    static <T> T committedWithoutFlushWait(DataSource dataSource, Jdbc<T> work) {
        return with(dataSource, c -> {
            c.setAutoCommit(false);
            try {
                try (java.sql.Statement s = c.createStatement()) {
                    s.execute("SET LOCAL synchronous_commit TO OFF");
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
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
