package io.exflow.packs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tenant's policy on top of its domain pack.
 *
 * @param domain               name of the {@link DomainPack} this tenant uses
 * @param severityOverrides    exception type → severity; beats the domain's rules
 * @param slaBySeverity        time to resolve per severity; all four severities present
 * @param approvedTools        tools automation may call for this tenant
 * @param approvalRules        any match → a human must approve before the playbook runs
 * @param piiFields            extra field names redacted for this tenant (any depth)
 * @param slaImminentThreshold fraction of the SLA window after which an "imminent" alert fires,
 *                             in (0, 1], default {@value #DEFAULT_SLA_IMMINENT_THRESHOLD}
 * @param escalateOnBreach     whether a breached SLA escalates the exception
 */
@RegisterForReflection
public record TenantPack(
        String tenantId,
        String name,
        TenantStatus status,
        String domain,
        Map<String, Severity> severityOverrides,
        Map<Severity, Duration> slaBySeverity,
        Set<String> approvedTools,
        List<ApprovalRule> approvalRules,
        Set<String> piiFields,
        RateLimit rateLimit,
        double slaImminentThreshold,
        boolean escalateOnBreach) {

    public static final double DEFAULT_SLA_IMMINENT_THRESHOLD = 0.8;

    public TenantPack {
        severityOverrides = PackCollections.map(severityOverrides);
        slaBySeverity = PackCollections.bySeverity(slaBySeverity);
        approvedTools = PackCollections.set(approvedTools);
        approvalRules = PackCollections.list(approvalRules);
        piiFields = PackCollections.set(piiFields);
    }

    /** Jackson entry point: a missing {@code slaImminentThreshold} means the default, not zero. */
    @JsonCreator
    static TenantPack fromJson(
            @JsonProperty("tenantId") String tenantId,
            @JsonProperty("name") String name,
            @JsonProperty("status") TenantStatus status,
            @JsonProperty("domain") String domain,
            @JsonProperty("severityOverrides") Map<String, Severity> severityOverrides,
            @JsonProperty("slaBySeverity") Map<Severity, Duration> slaBySeverity,
            @JsonProperty("approvedTools") Set<String> approvedTools,
            @JsonProperty("approvalRules") List<ApprovalRule> approvalRules,
            @JsonProperty("piiFields") Set<String> piiFields,
            @JsonProperty("rateLimit") RateLimit rateLimit,
            @JsonProperty("slaImminentThreshold") Double slaImminentThreshold,
            @JsonProperty("escalateOnBreach") Boolean escalateOnBreach) {
        return new TenantPack(tenantId, name, status, domain, severityOverrides, slaBySeverity, approvedTools,
                approvalRules, piiFields, rateLimit,
                slaImminentThreshold == null ? DEFAULT_SLA_IMMINENT_THRESHOLD : slaImminentThreshold,
                Boolean.TRUE.equals(escalateOnBreach));
    }

    @JsonIgnore
    public boolean isActive() {
        return status == TenantStatus.ACTIVE;
    }
}
