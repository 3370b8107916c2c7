package io.exflow.domain;

import java.nio.file.Path;
import java.sql.PreparedStatement;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.packs.DomainPack;
import io.exflow.packs.LoadedPacks;
import io.exflow.packs.PackLoader;
import io.exflow.packs.TenantPack;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.Jdbc;
import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The domain and tenant packs of this deployment: loaded from the bundled examples and
 * PACKS_DIR at start-up, validated, and upserted into the database (the tenant table is what
 * the tenant guard reads), before any worker starts. An operator's suspension or reactivation
 * (api) outlives restarts: it wins over the pack's status.
 */
@ApplicationScoped
public class Packs implements io.exflow.runtime.startup.StartupStep {
    private static final Logger LOG = Logger.getLogger(Packs.class);

    private final ExflowSettings settings;
    private final DataSource dataSource;
    private final ObjectMapper packMapper = PackLoader.newObjectMapper();
    private volatile LoadedPacks loaded;

    public Packs(ExflowSettings settings, DataSource dataSource) {
        this.settings = settings;
        this.dataSource = dataSource;
    }

    /** Invalid packs stop start-up here; storing them waits for PostgreSQL (a start-up step). */
    void onStart(@Observes @Priority(10) StartupEvent event) {
        all();
    }

    @Override
    public String dependency() {
        return "PostgreSQL (packs)";
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public void run() {
        QuarkusTransaction.requiringNew().run(this::store);
        LOG.infof("packs loaded: domains %s, tenants %s", all().domains().keySet(), all().tenants().keySet());
    }

    /** The tenant's pack; a tenant the guard let through but without a pack is a data problem, not transient. */
    public TenantPack tenant(String tenantId) {
        return all().tenant(tenantId).orElseThrow(
                () -> new PermanentFailure(ReasonCode.TENANT_REJECTED, "tenant has no policy pack"));
    }

    public DomainPack domainOf(TenantPack tenant) {
        return all().domainOf(tenant);
    }

    /** Loaded on first use, so start-up order does not matter; invalid packs fail start-up. */
    public LoadedPacks all() {
        LoadedPacks packs = loaded;
        if (packs == null) {
            synchronized (this) {
                if (loaded == null) {
                    loaded = new PackLoader().load(settings.packsDir().isEmpty() ? null : Path.of(settings.packsDir()));
                }
                packs = loaded;
            }
        }
        return packs;
    }

    private void store() {
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement domain = c.prepareStatement("INSERT INTO domain_pack (name, version, content) "
                    + "VALUES (?, ?, ?::jsonb) ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, "
                    + "content = EXCLUDED.content, updated_at = now()");
                    PreparedStatement tenant = c.prepareStatement("INSERT INTO tenant (id, name, status, domain, policy) "
                            + "VALUES (?, ?, ?, ?, ?::jsonb) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, "
                            + "status = coalesce(tenant.operator_status, EXCLUDED.status), domain = EXCLUDED.domain, policy = EXCLUDED.policy, updated_at = now()")) {
                for (DomainPack d : all().domains().values()) {
                    domain.setString(1, d.name());
                    domain.setString(2, d.version());
                    domain.setString(3, json(d));
                    domain.addBatch();
                }
                for (TenantPack t : all().tenants().values()) {
                    tenant.setString(1, t.tenantId());
                    tenant.setString(2, t.name());
                    tenant.setString(3, t.status().name());
                    tenant.setString(4, t.domain());
                    tenant.setString(5, json(t));
                    tenant.addBatch();
                }
                domain.executeBatch();
                tenant.executeBatch();
                return null;
            }
        });
    }

    private String json(Object pack) {
        try {
            return packMapper.writeValueAsString(pack);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
