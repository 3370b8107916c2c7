package io.exflow.worker.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exflow.packs.DomainPack;
import io.exflow.packs.ExceptionTypeDef;
import io.exflow.packs.Guardrails;
import io.exflow.packs.RateLimit;
import io.exflow.packs.Severity;
import io.exflow.packs.SeverityRule;
import io.exflow.packs.TenantPack;
import io.exflow.packs.TenantStatus;
import io.exflow.packs.TestPacks;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeverityClassifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode NO_ATTRIBUTES = JSON.createObjectNode();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    /** A domain whose rules overlap, to show order and precedence. */
    private static DomainPack overlapping() {
        return new DomainPack("test", "1", List.of(new ExceptionTypeDef("A", "a", List.of()), new ExceptionTypeDef("B", "b", List.of())),
                List.of(
                        new SeverityRule("a-vip", "A", null, "customer.tier", "vip", Severity.CRITICAL),
                        new SeverityRule("a-large", "A", new BigDecimal("1000"), null, null, Severity.HIGH),
                        new SeverityRule("any-large", null, new BigDecimal("1000"), null, null, Severity.MEDIUM)),
                Severity.LOW, List.of(), List.of(), new Guardrails(null, Set.of(), Set.of(), Set.of()));
    }

    private static TenantPack tenant(String domain, Map<String, Severity> overrides) {
        Map<Severity, Duration> sla = Map.of(Severity.CRITICAL, Duration.ofHours(1), Severity.HIGH, Duration.ofHours(2),
                Severity.MEDIUM, Duration.ofHours(3), Severity.LOW, Duration.ofHours(4));
        return new TenantPack("t", "T", TenantStatus.ACTIVE, domain, overrides, sla, Set.of(), List.of(), Set.of(),
                new RateLimit(1, 1), 0.8, false);
    }

    @Test
    void tenantOverrideBeatsMatchingDomainRule() throws Exception {
        Classification c = SeverityClassifier.classify("A", new BigDecimal("5000"), json("{'customer':{'tier':'vip'}}"),
                overlapping(), tenant("test", Map.of("A", Severity.LOW)));
        assertEquals(new Classification(Severity.LOW, Classification.TENANT_OVERRIDE, "A"), c);
    }

    @Test
    void firstMatchingRuleWins() throws Exception {
        DomainPack domain = overlapping();
        TenantPack noOverrides = tenant("test", Map.of());
        assertEquals(new Classification(Severity.CRITICAL, Classification.DOMAIN_RULE, "a-vip"),
                SeverityClassifier.classify("A", new BigDecimal("5000"), json("{'customer':{'tier':'vip'}}"), domain, noOverrides));
        assertEquals(new Classification(Severity.HIGH, Classification.DOMAIN_RULE, "a-large"),
                SeverityClassifier.classify("A", new BigDecimal("1000"), NO_ATTRIBUTES, domain, noOverrides));
        assertEquals(new Classification(Severity.MEDIUM, Classification.DOMAIN_RULE, "any-large"),
                SeverityClassifier.classify("B", new BigDecimal("1000.00"), NO_ATTRIBUTES, domain, noOverrides));
    }

    @Test
    void fallsBackToTheDomainDefault() {
        DomainPack domain = overlapping();
        assertEquals(new Classification(Severity.LOW, Classification.DEFAULT, null),
                SeverityClassifier.classify("A", new BigDecimal("999.99"), NO_ATTRIBUTES, domain, tenant("test", Map.of())));
        assertEquals(new Classification(Severity.LOW, Classification.DEFAULT, null),
                SeverityClassifier.classify("B", null, null, domain, null), "no amount, no attributes, no tenant");
    }

    @Test
    void overrideForAnotherTypeDoesNotApply() {
        Classification c = SeverityClassifier.classify("B", new BigDecimal("1000"), NO_ATTRIBUTES, overlapping(),
                tenant("test", Map.of("A", Severity.CRITICAL)));
        assertEquals("any-large", c.ruleId());
    }

    @Test
    void tenantOfAnotherDomainIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> SeverityClassifier.classify("A", null, NO_ATTRIBUTES,
                overlapping(), tenant("finance", Map.of())));
    }

    @Test
    void bundledFinanceRules() throws Exception {
        DomainPack finance = TestPacks.finance();
        TenantPack acme = TestPacks.tenant("acme-bank");
        assertEquals(new Classification(Severity.HIGH, Classification.TENANT_OVERRIDE, "PAYMENT_MISMATCH"),
                SeverityClassifier.classify("PAYMENT_MISMATCH", new BigDecimal("10"), NO_ATTRIBUTES, finance, acme));
        assertEquals(new Classification(Severity.MEDIUM, Classification.DEFAULT, null),
                SeverityClassifier.classify("PAYMENT_MISMATCH", new BigDecimal("10"), NO_ATTRIBUTES, finance,
                        TestPacks.tenant("dormant-co")));
        assertEquals("settlement-very-large",
                SeverityClassifier.classify("SETTLEMENT_FAILED", new BigDecimal("1000000"), NO_ATTRIBUTES, finance, acme).ruleId());
        assertEquals("settlement-large",
                SeverityClassifier.classify("SETTLEMENT_FAILED", new BigDecimal("50000"), NO_ATTRIBUTES, finance, acme).ruleId());
        assertEquals(Severity.MEDIUM,
                SeverityClassifier.classify("SETTLEMENT_FAILED", new BigDecimal("49999.99"), NO_ATTRIBUTES, finance, acme).severity());
        assertEquals(new Classification(Severity.HIGH, Classification.DOMAIN_RULE, "chargeback-fraud"),
                SeverityClassifier.classify("CARD_CHARGEBACK", new BigDecimal("80"), json("{'reasonCode':'10.4'}"), finance, acme));
        assertEquals(new Classification(Severity.LOW, Classification.DOMAIN_RULE, "chargeback-other"),
                SeverityClassifier.classify("CARD_CHARGEBACK", new BigDecimal("80"), json("{'reasonCode':'13.1'}"), finance, acme));
    }
}
