package io.exflow.packs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PackModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void severityOrdering() {
        assertTrue(Severity.CRITICAL.isAtLeast(Severity.HIGH));
        assertTrue(Severity.HIGH.isAtLeast(Severity.HIGH));
        assertFalse(Severity.LOW.isAtLeast(Severity.MEDIUM));
        assertTrue(Severity.LOW.isAtMost(Severity.MEDIUM));
        assertFalse(Severity.CRITICAL.isAtMost(Severity.HIGH));
    }

    @ParameterizedTest
    @CsvSource({
            "settlementFailed, SETTLEMENT_FAILED",
            "settlement-failed, SETTLEMENT_FAILED",
            "Settlement Failed, SETTLEMENT_FAILED",
            "settlement.failed, SETTLEMENT_FAILED",
            "SETTLEMENT_FAILED, SETTLEMENT_FAILED",
            "'  __card--chargeback__ ', CARD_CHARGEBACK",
            "payment3DSFailed, PAYMENT3_DSFAILED",
            "'***', ''"
    })
    void exceptionTypeCodes(String raw, String expected) {
        assertEquals(expected, ExceptionTypeCode.toUpperSnake(raw));
    }

    @Test
    void canonicalCodes() {
        assertTrue(ExceptionTypeCode.isCanonical("LEDGER_BREAK"));
        assertTrue(ExceptionTypeCode.isCanonical("X1"));
        assertFalse(ExceptionTypeCode.isCanonical("ledger_break"));
        assertFalse(ExceptionTypeCode.isCanonical("LEDGER__BREAK"));
        assertFalse(ExceptionTypeCode.isCanonical("_LEDGER"));
        assertFalse(ExceptionTypeCode.isCanonical(null));
    }

    @Test
    void attributePaths() throws Exception {
        JsonNode attrs = JSON.readTree("{\"merchant\":{\"tier\":\"gold\"},\"a.b\":1,\"n\":null}");
        assertEquals("gold", AttributePath.lookup(attrs, "merchant.tier").asText());
        assertEquals(1, AttributePath.lookup(attrs, "a.b").asInt(), "exact key with a dot wins");
        assertNull(AttributePath.lookup(attrs, "merchant.missing"));
        assertNull(AttributePath.lookup(attrs, "merchant.tier.deeper"));
        assertNull(AttributePath.lookup(attrs, "n"), "JSON null counts as absent");
        assertNull(AttributePath.lookup(null, "x"));
    }

    @Test
    void severityRuleConditions() throws Exception {
        SeverityRule rule = new SeverityRule("r", "CARD_CHARGEBACK", new BigDecimal("100"), "reasonCode", "10.4", Severity.HIGH);
        JsonNode fraud = JSON.readTree("{\"reasonCode\":\"10.4\"}");
        JsonNode fraudAsNumber = JSON.readTree("{\"reasonCode\":10.4}");
        assertTrue(rule.matches("CARD_CHARGEBACK", new BigDecimal("100.00"), fraud), "minAmount is inclusive");
        assertTrue(rule.matches("CARD_CHARGEBACK", new BigDecimal("500"), fraudAsNumber), "compared as text");
        assertFalse(rule.matches("CARD_CHARGEBACK", new BigDecimal("99.99"), fraud));
        assertFalse(rule.matches("CARD_CHARGEBACK", null, fraud), "no amount never meets a minimum");
        assertFalse(rule.matches("PAYMENT_MISMATCH", new BigDecimal("500"), fraud));
        assertFalse(rule.matches("CARD_CHARGEBACK", new BigDecimal("500"), JSON.readTree("{\"reasonCode\":\"13.1\"}")));
        assertFalse(rule.matches("CARD_CHARGEBACK", new BigDecimal("500"), null));

        SeverityRule anyType = new SeverityRule("any", null, null, null, null, Severity.LOW);
        assertTrue(anyType.matches("WHATEVER", null, null));
    }

    @Test
    void approvalRuleConditions() {
        ApprovalRule bySeverity = new ApprovalRule("sev", null, null, Severity.HIGH);
        assertTrue(bySeverity.matches("X", null, Severity.CRITICAL));
        assertTrue(bySeverity.matches("X", null, Severity.HIGH));
        assertFalse(bySeverity.matches("X", null, Severity.MEDIUM));

        ApprovalRule byAmount = new ApprovalRule("amt", "SETTLEMENT_FAILED", new BigDecimal("100000"), null);
        assertTrue(byAmount.matches("SETTLEMENT_FAILED", new BigDecimal("100000"), Severity.LOW));
        assertFalse(byAmount.matches("SETTLEMENT_FAILED", new BigDecimal("99999.99"), Severity.LOW));
        assertFalse(byAmount.matches("SETTLEMENT_FAILED", null, Severity.LOW));
        assertFalse(byAmount.matches("LEDGER_BREAK", new BigDecimal("1000000"), Severity.LOW));
    }

    @Test
    void playbookSeverityCeiling() {
        Playbook playbook = TestPacks.finance().playbook("retry-settlement").orElseThrow();
        assertTrue(playbook.allowsAutoRunAt(Severity.LOW));
        assertTrue(playbook.allowsAutoRunAt(Severity.HIGH));
        assertFalse(playbook.allowsAutoRunAt(Severity.CRITICAL));
        assertTrue(playbook.appliesTo("SETTLEMENT_FAILED"));
        assertFalse(playbook.appliesTo("LEDGER_BREAK"));
    }
}
