package io.exflow.worker.triage;

import com.fasterxml.jackson.databind.JsonNode;
import io.exflow.packs.DomainPack;
import io.exflow.packs.Severity;
import io.exflow.packs.SeverityRule;
import io.exflow.packs.TenantPack;
import java.math.BigDecimal;
import java.util.Objects;

/** Sets an exception's severity: tenant override, else the first matching domain rule, else the domain default. */
public final class SeverityClassifier {

    private SeverityClassifier() {
    }

    /**
     * @param amount     may be {@code null}; rules with a {@code minAmount} then do not match
     * @param attributes the normalized attributes, may be {@code null}
     * @param tenant     may be {@code null} (no overrides)
     * @throws IllegalArgumentException if the tenant belongs to a different domain
     */
    public static Classification classify(String exceptionType, BigDecimal amount, JsonNode attributes,
            DomainPack domain, TenantPack tenant) {
        Objects.requireNonNull(domain, "domain");
        if (tenant != null) {
            if (!domain.name().equals(tenant.domain())) {
                throw new IllegalArgumentException("tenant '" + tenant.tenantId() + "' uses domain '"
                        + tenant.domain() + "', not '" + domain.name() + "'");
            }
            Severity override = tenant.severityOverrides().get(exceptionType);
            if (override != null) {
                return new Classification(override, Classification.TENANT_OVERRIDE, exceptionType);
            }
        }
        for (SeverityRule rule : domain.severityRules()) {
            if (rule.matches(exceptionType, amount, attributes)) {
                return new Classification(rule.severity(), Classification.DOMAIN_RULE, rule.id());
            }
        }
        return new Classification(domain.defaultSeverity(), Classification.DEFAULT, null);
    }
}
