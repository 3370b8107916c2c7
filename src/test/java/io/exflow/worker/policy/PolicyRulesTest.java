package io.exflow.worker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exflow.packs.DomainPack;
import io.exflow.packs.Severity;
import io.exflow.packs.TenantPack;
import io.exflow.packs.TestPacks;
import io.exflow.worker.triage.SeverityClassifier;
import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The policy decision over the bundled packs: every decision is reachable, and each input
 * reaches the decision SPEC §3 asks for.
 */
class PolicyRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static String decide(String type, BigDecimal amount, JsonNode attributes, TenantPack tenant) {
        DomainPack domain = TestPacks.bundled().domainOf(tenant);
        Severity severity = SeverityClassifier.classify(type, amount, attributes, domain, tenant).severity();
        return PolicyRules.decide(type, amount, severity, domain, tenant).outcome().name();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} → {4}")
    @CsvSource(delimiter = '|', value = {
            "acme-bank     | SETTLEMENT_FAILED           | 12000   | {}                             | AUTO_APPROVED",
            "acme-bank     | PAYMENT_MISMATCH            | 430.10  | {}                             | AUTO_APPROVED",
            "acme-bank     | CARD_CHARGEBACK             | 89.99   | {\"reasonCode\":\"13.1\"}      | AUTO_APPROVED",
            "acme-bank     | SETTLEMENT_FAILED           | 120000  | {}                             | NEEDS_APPROVAL",
            "acme-bank     | CARD_CHARGEBACK             | 89.99   | {\"reasonCode\":\"10.4\"}      | NEEDS_APPROVAL",
            "acme-bank     | SANCTIONS_HIT               |         | {}                             | BLOCKED",
            "acme-bank     | LEDGER_BREAK                | 5000    | {}                             | ESCALATE",
            "acme-bank     | SETTLEMENT_FAILED           | 1500000 | {}                             | ESCALATE",
            "medicare-plus | ELIGIBILITY_FAILED          |         | {}                             | AUTO_APPROVED",
            "medicare-plus | CLAIM_MISMATCH              | 1200    | {}                             | AUTO_APPROVED",
            "medicare-plus | DUPLICATE_CLAIM             |         | {}                             | AUTO_APPROVED",
            "medicare-plus | CLAIM_MISMATCH              | 7500    | {}                             | NEEDS_APPROVAL",
            "medicare-plus | PRIOR_AUTH_MISSING          |         | {\"setting\":\"inpatient\"}    | NEEDS_APPROVAL",
            "medicare-plus | PRIOR_AUTH_MISSING          |         | {\"setting\":\"outpatient\"}   | AUTO_APPROVED",
            "medicare-plus | PHI_DISCLOSURE              |         | {}                             | BLOCKED",
            "medicare-plus | PROVIDER_CREDENTIAL_EXPIRED |         | {}                             | ESCALATE"
    })
    void everyDecisionIsReachable(String tenantId, String type, BigDecimal amount, String attributes, String expected)
            throws Exception {
        assertEquals(expected, decide(type, amount, JSON.readTree(attributes), TestPacks.tenant(tenantId)));
    }

    @org.junit.jupiter.api.Test
    void aPlaybookWithAToolTheTenantDidNotApproveIsNotChosen() {
        TenantPack acme = TestPacks.tenant("acme-bank");
        TenantPack withoutTools = new TenantPack(acme.tenantId(), acme.name(), acme.status(), acme.domain(),
                acme.severityOverrides(), acme.slaBySeverity(), java.util.Set.of(), acme.approvalRules(), acme.piiFields(),
                acme.rateLimit(), acme.slaImminentThreshold(), acme.escalateOnBreach());
        PolicyRules.Decision decision = PolicyRules.decide("SETTLEMENT_FAILED", new BigDecimal("12000"), Severity.MEDIUM,
                TestPacks.bundled().domainOf(acme), withoutTools);
        assertEquals(PolicyRules.Outcome.ESCALATE, decision.outcome());
        org.assertj.core.api.Assertions.assertThat(decision.reasons().get(0)).contains("approved tools");
    }

    @org.junit.jupiter.api.Test
    void reasonsSayWhyApprovalIsNeeded() {
        TenantPack acme = TestPacks.tenant("acme-bank");
        PolicyRules.Decision decision = PolicyRules.decide("SETTLEMENT_FAILED", new BigDecimal("120000"), Severity.HIGH,
                TestPacks.bundled().domainOf(acme), acme);
        assertEquals(PolicyRules.Outcome.NEEDS_APPROVAL, decision.outcome());
        assertEquals("retry-settlement", decision.playbookId());
        org.assertj.core.api.Assertions.assertThat(decision.reasons()).anySatisfy(r ->
                org.assertj.core.api.Assertions.assertThat(r).contains("large-settlement"));
    }
}
