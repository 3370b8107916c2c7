package io.exflow.worker.triage;

import io.exflow.packs.Severity;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The severity of an exception and what decided it.
 *
 * @param source {@link #TENANT_OVERRIDE}, {@link #DOMAIN_RULE} or {@link #DEFAULT}
 * @param ruleId the domain rule's id for DOMAIN_RULE, the overridden exception type for
 *               TENANT_OVERRIDE, {@code null} for DEFAULT
 */
@RegisterForReflection
public record Classification(Severity severity, String source, String ruleId) {

    public static final String TENANT_OVERRIDE = "TENANT_OVERRIDE";
    public static final String DOMAIN_RULE = "DOMAIN_RULE";
    public static final String DEFAULT = "DEFAULT";
}
