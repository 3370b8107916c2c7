package io.exflow.worker.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exflow.packs.DomainPack;
import io.exflow.packs.Guardrails;
import io.exflow.packs.Playbook;
import io.exflow.packs.Severity;
import io.exflow.packs.TenantPack;
import io.exflow.packs.TestPacks;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks that the bundled packs can produce every policy decision. The decision function here
 * is a test oracle written from SPEC §3, not the policy worker: blocked type → BLOCKED;
 * escalation severity or no eligible playbook → ESCALATE; an approval rule, a severity outside
 * auto-approval, or an amount above the guardrail → NEEDS_APPROVAL; otherwise AUTO_APPROVED.
 */
class BundledDecisionPathsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static String decide(String type, BigDecimal amount, JsonNode attributes, TenantPack tenant) {
        DomainPack domain = TestPacks.bundled().domainOf(tenant);
        Guardrails guardrails = domain.guardrails();
        Severity severity = SeverityClassifier.classify(type, amount, attributes, domain, tenant).severity();
        if (guardrails.blockedExceptionTypes().contains(type)) {
            return "BLOCKED";
        }
        List<Playbook> eligible = domain.playbooksFor(type).stream().filter(p -> p.allowsAutoRunAt(severity)).toList();
        if (guardrails.escalateSeverities().contains(severity) || eligible.isEmpty()) {
            return "ESCALATE";
        }
        boolean approvalRule = tenant.approvalRules().stream().anyMatch(r -> r.matches(type, amount, severity));
        boolean overLimit = amount != null && guardrails.maxAutoAmount() != null && amount.compareTo(guardrails.maxAutoAmount()) > 0;
        if (approvalRule || overLimit || !guardrails.autoApproveSeverities().contains(severity)) {
            return "NEEDS_APPROVAL";
        }
        return "AUTO_APPROVED";
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
}
