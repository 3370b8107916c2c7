package io.exflow.console;

import java.sql.PreparedStatement;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.exflow.runtime.delivery.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;

/** Every state-changing console action: a row in console_audit and a log line (actor, tenant, action, target, outcome). */
@ApplicationScoped
public class ConsoleAudit {
    private static final Logger LOG = Logger.getLogger("io.exflow.console.audit");

    private final DataSource dataSource;

    public ConsoleAudit(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void record(String actor, String tenant, String action, String target, String outcome, String detail) {
        LOG.infof("console action actor=%s tenant=%s action=%s target=%s outcome=%s", actor, tenant, action, target, outcome);
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO console_audit (actor, tenant_id, action, target, "
                    + "outcome, detail) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, actor);
                ps.setString(2, tenant);
                ps.setString(3, action);
                ps.setString(4, target);
                ps.setString(5, outcome);
                ps.setString(6, detail);
                return ps.executeUpdate();
            }
        });
    }
}
