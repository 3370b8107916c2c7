package io.exflow.worker.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exflow.packs.DomainPack;
import io.exflow.packs.TestPacks;
import io.exflow.worker.intake.PayloadValidationException.Violation;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PayloadNormalizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2025-03-10T12:00:00Z");
    private static final DomainPack FINANCE = TestPacks.finance();

    private final PayloadNormalizer normalizer = new PayloadNormalizer(Clock.fixed(NOW, ZoneOffset.UTC));

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A valid SETTLEMENT_FAILED payload to vary. */
    private static ObjectNode settlement() {
        return json("{'type':'settlement_failed','source':'clearing-gw','entity':'PAY-1001','amount':'1250.50',"
                + "'currency':'usd','timestamp':'2025-03-10T11:00:00+01:00','summary':'  ACH return R01  ',"
                + "'settlementId':'STL-9','rail':'ACH'}");
    }

    private List<Violation> violations(JsonNode payload) {
        return assertThrows(PayloadValidationException.class, () -> normalizer.normalize(payload, FINANCE)).violations();
    }

    private void assertSingleViolation(JsonNode payload, String field, String messagePart) {
        List<Violation> violations = violations(payload);
        assertEquals(1, violations.size(), violations.toString());
        assertEquals(field, violations.get(0).field());
        assertTrue(violations.get(0).message().contains(messagePart), violations.get(0).message());
    }

    @Test
    void normalizesAValidPayload() {
        NormalizedSubmission n = normalizer.normalize(settlement(), FINANCE);
        assertEquals("SETTLEMENT_FAILED", n.exceptionType());
        assertEquals("clearing-gw", n.sourceSystem());
        assertEquals("PAY-1001", n.entityId());
        assertEquals(new BigDecimal("1250.50"), n.amount());
        assertEquals("USD", n.currency());
        assertEquals(Instant.parse("2025-03-10T10:00:00Z"), n.occurredAt());
        assertEquals("ACH return R01", n.summary());
        assertEquals(json("{'settlementId':'STL-9','rail':'ACH'}"), n.attributes());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'exception_type':'SETTLEMENT_FAILED','source_system':'gw','entity_id':'E1','occurred_at':'2025-03-10T11:00:00Z'}",
            "{'exceptionType':'settlementFailed','sourceSystem':'gw','entityId':'E1','occurredAt':'2025-03-10T11:00:00Z'}",
            "{'type':'Settlement Failed','source':'gw','entity':'E1','timestamp':'2025-03-10T11:00:00Z'}",
            "{'EXCEPTION-TYPE':'settlement-failed','Source':'gw','Entity':'E1','Timestamp':'2025-03-10T11:00:00Z'}"
    })
    void acceptsKeyAliases(String base) {
        ObjectNode payload = json(base);
        payload.put("amount", 10).put("currency", "EUR").put("settlementId", "S");
        NormalizedSubmission n = normalizer.normalize(payload, FINANCE);
        assertEquals("SETTLEMENT_FAILED", n.exceptionType());
        assertEquals("gw", n.sourceSystem());
        assertEquals("E1", n.entityId());
        assertEquals(Instant.parse("2025-03-10T11:00:00Z"), n.occurredAt());
        assertEquals(json("{'settlementId':'S'}"), n.attributes(), "aliases never leak into attributes");
    }

    @Test
    void amountAsNumberOrNumericString() {
        assertEquals(new BigDecimal("99.95"), normalizer.normalize(settlement().put("amount", 99.95), FINANCE).amount());
        assertEquals(new BigDecimal("1000"), normalizer.normalize(settlement().put("amount", 1000), FINANCE).amount());
        assertEquals(new BigDecimal("7.10"), normalizer.normalize(settlement().put("amount", " 7.10 "), FINANCE).amount());
    }

    @Test
    void numericEntityIdBecomesText() {
        assertEquals("42", normalizer.normalize(settlement().put("entity", 42), FINANCE).entityId());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2025-03-10T12:30:00+02:00 | 2025-03-10T10:30:00Z",
            "2025-03-10T10:30:00Z | 2025-03-10T10:30:00Z",
            "2025-03-10T05:30:00.250-05:00 | 2025-03-10T10:30:00.250Z",
            "2025-03-10T12:30:00+01:00[Europe/Paris] | 2025-03-10T11:30:00Z",
            "2025-03-09 | 2025-03-09T00:00:00Z",
            "1741600000000 | 2025-03-10T09:46:40Z",
            "2025-03-10T12:04:59Z | 2025-03-10T12:04:59Z"
    })
    void acceptsTimestampFormats(String raw, String expected) {
        assertEquals(Instant.parse(expected), normalizer.normalize(settlement().put("timestamp", raw), FINANCE).occurredAt());
    }

    @Test
    void acceptsEpochMillisAsNumber() {
        assertEquals(Instant.ofEpochMilli(1741600000000L),
                normalizer.normalize(settlement().put("timestamp", 1741600000000L), FINANCE).occurredAt());
    }

    @Test
    void summaryDefaultsToTheTypeDescriptionAndIsCapped() {
        ObjectNode noSummary = settlement();
        noSummary.remove("summary");
        assertEquals(FINANCE.exceptionType("SETTLEMENT_FAILED").orElseThrow().description(),
                normalizer.normalize(noSummary, FINANCE).summary());

        String longText = "x".repeat(800);
        String summary = normalizer.normalize(settlement().put("summary", longText), FINANCE).summary();
        assertEquals(PayloadNormalizer.MAX_SUMMARY_LENGTH, summary.length());
        assertTrue(summary.endsWith("…"));

        String alias = normalizer.normalize(settlement().<ObjectNode>without("summary").put("description", " via alias "), FINANCE).summary();
        assertEquals("via alias", alias);
    }

    @Test
    void nestedAttributesAreMergedAndWin() {
        ObjectNode payload = settlement().put("channel", "top");
        payload.set("attributes", json("{'channel':'nested','batch':7}"));
        NormalizedSubmission n = normalizer.normalize(payload, FINANCE);
        assertEquals("nested", n.attributes().get("channel").asText());
        assertEquals(7, n.attributes().get("batch").asInt());
        assertFalse(n.attributes().has("attributes"));
    }

    @Test
    void requiredFieldsMayBeNestedOrSpelledDifferently() {
        ObjectNode snake = settlement();
        snake.remove("settlementId");
        snake.put("settlement_id", "STL-9");
        assertEquals("STL-9", normalizer.normalize(snake, FINANCE).attributes().get("settlement_id").asText());

        ObjectNode nested = settlement();
        nested.remove("settlementId");
        nested.set("attributes", json("{'settlementId':'STL-9'}"));
        normalizer.normalize(nested, FINANCE);
    }

    @Test
    void doesNotMutateTheInput() {
        ObjectNode payload = settlement();
        ObjectNode before = payload.deepCopy();
        NormalizedSubmission n = normalizer.normalize(payload, FINANCE);
        n.attributes().put("added", true);
        assertEquals(before, payload);
    }

    // ---- violations --------------------------------------------------------------------------

    @Test
    void unknownExceptionType() {
        assertSingleViolation(settlement().put("type", "wire recall"), "exceptionType",
                "unknown exception type 'WIRE_RECALL' for domain 'finance'");
    }

    @Test
    void missingCoreFields() {
        List<Violation> violations = violations(json("{'amount':5,'currency':'USD'}"));
        assertEquals(List.of(
                new Violation("exceptionType", "is required"),
                new Violation("sourceSystem", "is required"),
                new Violation("entityId", "is required"),
                new Violation("occurredAt", "is required")), violations);
    }

    @Test
    void missingFieldRequiredByTheType() {
        assertSingleViolation(settlement().without("settlementId"), "settlementId",
                "is required for exception type SETTLEMENT_FAILED");
        assertSingleViolation(settlement().put("settlementId", "  "), "settlementId", "is required");
    }

    @Test
    void missingAmountRequiredByTheType() {
        List<Violation> violations = violations(settlement().without(List.of("amount", "currency")));
        assertEquals(List.of(
                new Violation("amount", "is required for exception type SETTLEMENT_FAILED"),
                new Violation("currency", "is required for exception type SETTLEMENT_FAILED")), violations);
    }

    @ParameterizedTest
    @ValueSource(strings = {"12,50", "1.2.3", "ten", "1e3", "", "NaN"})
    void badAmountStrings(String amount) {
        if (amount.isEmpty()) {
            // blank means absent: then the type's requirement fails instead
            assertSingleViolation(settlement().put("amount", amount), "amount", "is required for exception type");
            return;
        }
        assertSingleViolation(settlement().put("amount", amount), "amount", "must be a number");
    }

    @Test
    void amountRules() {
        assertSingleViolation(settlement().put("amount", -5), "amount", "must not be negative");
        assertSingleViolation(settlement().put("amount", "0.0000001"), "amount", "at most 6 decimal places");
        assertSingleViolation(settlement().put("amount", "1" + "0".repeat(18)), "amount", "too large");
        assertSingleViolation(settlement().put("amount", true), "amount", "must be a number");
    }

    @Test
    void currencyRules() {
        assertSingleViolation(settlement().put("currency", "dollars"), "currency", "ISO 4217");
        assertSingleViolation(settlement().put("currency", "ABC"), "currency", "ISO 4217");
        // An amount always needs a currency, even where the type does not require either.
        ObjectNode sanctionsWithAmount = json("{'type':'SANCTIONS_HIT','source':'kyc','entity':'C1','timestamp':'2025-03-10',"
                + "'screeningId':'S','listName':'OFAC SDN','amount':10}");
        assertSingleViolation(sanctionsWithAmount, "currency", "is required when an amount is given");
        // A field is reported once even when both rules want it.
        ObjectNode ledger = json("{'type':'LEDGER_BREAK','source':'gl','entity':'L1','timestamp':'2025-03-10',"
                + "'amount':10,'ledgerAccount':'1000'}");
        assertSingleViolation(ledger, "currency", "is required when an amount is given");
        ObjectNode noAmount = json("{'type':'SANCTIONS_HIT','source':'kyc','entity':'C1','timestamp':'2025-03-10',"
                + "'screeningId':'S','listName':'OFAC SDN'}");
        NormalizedSubmission n = normalizer.normalize(noAmount, FINANCE);
        assertNull(n.amount());
        assertNull(n.currency());
    }

    @Test
    void timestampRules() {
        assertSingleViolation(settlement().put("timestamp", "2025-03-10T12:05:01Z"), "occurredAt", "more than 5 minutes in the future");
        assertSingleViolation(settlement().put("timestamp", "2025-03-10T10:00:00"), "occurredAt", "UTC offset");
        assertSingleViolation(settlement().put("timestamp", "10/03/2025"), "occurredAt", "ISO-8601");
        assertSingleViolation(settlement().put("timestamp", "2025-02-30"), "occurredAt", "ISO-8601");
        assertSingleViolation(settlement().put("timestamp", 1741600000L), "occurredAt", "epoch seconds");
        assertSingleViolation(settlement().put("timestamp", "1741600000"), "occurredAt", "epoch seconds");
        assertSingleViolation(settlement().put("timestamp", 1.5), "occurredAt", "ISO-8601");
        assertSingleViolation(settlement().put("timestamp", "99999999999999999999"), "occurredAt", "out of range");
    }

    @Test
    void conflictingAliases() {
        assertSingleViolation(settlement().put("exceptionType", "LEDGER_BREAK"), "exceptionType", "given twice");
        // The same value under two spellings is fine.
        normalizer.normalize(settlement().put("exception_type", "settlement_failed"), FINANCE);
    }

    @Test
    void structuralProblems() {
        assertSingleViolation(settlement().put("entity", " ".repeat(3) + "x".repeat(201)), "entityId", "at most 200");
        ObjectNode objectEntity = settlement();
        objectEntity.set("entity", json("{'id':1}"));
        assertSingleViolation(objectEntity, "entityId", "string or an integer");
        assertSingleViolation(settlement().put("type", 7), "exceptionType", "must be a string");
        assertSingleViolation(settlement().put("attributes", "nope"), "attributes", "must be a JSON object");
        ObjectNode objectSummary = settlement();
        objectSummary.set("summary", json("{'a':1}"));
        assertSingleViolation(objectSummary, "summary", "must be a string");
        assertEquals(List.of(new Violation("payload", "must be a JSON object")),
                assertThrows(PayloadValidationException.class,
                        () -> normalizer.normalize(JSON.readTree("[1]"), FINANCE)).violations());
    }

    @Test
    void reportsAllViolationsAtOnceWithoutEchoingValues() {
        ObjectNode payload = settlement().put("amount", "jane@example.com").put("currency", "4111111111111111")
                .put("timestamp", "secret-ts");
        payload.remove("settlementId");
        PayloadValidationException e = assertThrows(PayloadValidationException.class,
                () -> normalizer.normalize(payload, FINANCE));
        assertEquals(List.of("amount", "currency", "occurredAt", "settlementId"),
                e.violations().stream().map(Violation::field).toList());
        assertFalse(e.getMessage().contains("jane"), e.getMessage());
        assertFalse(e.getMessage().contains("4111"), e.getMessage());
        assertFalse(e.getMessage().contains("secret-ts"), e.getMessage());
    }
}
