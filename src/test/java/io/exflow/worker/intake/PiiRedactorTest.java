package io.exflow.worker.intake;

import io.exflow.domain.events.PiiKind;
import io.exflow.domain.events.Redaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PiiRedactorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static RedactionResult redact(JsonNode payload) {
        return PiiRedactor.redact(payload, Set.of());
    }

    /** Redacts {"v": text} and returns the new text. */
    private static String redactText(String text) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode().put("v", text);
        return redact(payload).redacted().get("v").asText();
    }

    // ---- by key name -------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
            "email, EMAIL",
            "customerEmail, EMAIL",
            "billing_email_address, EMAIL",
            "cardNumber, CARD_NUMBER",
            "card-number, CARD_NUMBER",
            "CARD_NUMBER, CARD_NUMBER",
            "pan, CARD_NUMBER",
            "ssn, NATIONAL_ID",
            "national_id, NATIONAL_ID",
            "passportNumber, NATIONAL_ID",
            "phone, PHONE",
            "mobile_number, PHONE",
            "homePhone, PHONE",
            "password, SENSITIVE_KEY",
            "dob, SENSITIVE_KEY",
            "date_of_birth, SENSITIVE_KEY",
            "IBAN, SENSITIVE_KEY",
            "beneficiaryIban, SENSITIVE_KEY",
            "accountNumber, SENSITIVE_KEY",
            "apiKey, SENSITIVE_KEY",
            "cvv, SENSITIVE_KEY"
    })
    void redactsBySensitiveKeyName(String key, PiiKind kind) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode().put(key, "opaque-value-42").put("other", "keep me");
        RedactionResult result = redact(payload);
        assertEquals(kind.token(), result.redacted().get(key).asText());
        assertEquals("keep me", result.redacted().get("other").asText());
        assertEquals(List.of(new Redaction(pathOf(key), kind)), result.redactions());
    }

    private static String pathOf(String key) {
        return key.matches("[A-Za-z_][A-Za-z0-9_]*") ? "$." + key : "$['" + key + "']";
    }

    @Test
    void sensitiveKeyRedactsWholeObjectsAndNumbersButKeepsNull() {
        JsonNode payload = json("{'dob':'1984-02-29','pin':1234,'password':{'old':'a','new':'b'},'ssn':null}");
        RedactionResult result = redact(payload);
        assertEquals("[REDACTED:SENSITIVE_KEY]", result.redacted().get("dob").asText());
        assertEquals("[REDACTED:SENSITIVE_KEY]", result.redacted().get("pin").asText());
        assertEquals("[REDACTED:SENSITIVE_KEY]", result.redacted().get("password").asText());
        assertTrue(result.redacted().get("ssn").isNull(), "nothing to hide in null");
        assertEquals(3, result.redactions().size());
    }

    @Test
    void tenantFieldsMatchAtAnyDepthIgnoringCaseAndSeparators() {
        JsonNode payload = json("{'member_id':'M-1','claim':{'MemberId':'M-2','lines':[{'memberId':'M-3'}]},'payer':'Aetna'}");
        RedactionResult result = PiiRedactor.redact(payload, Set.of("memberId"));
        assertEquals(List.of(
                new Redaction("$.member_id", PiiKind.TENANT_FIELD),
                new Redaction("$.claim.MemberId", PiiKind.TENANT_FIELD),
                new Redaction("$.claim.lines[0].memberId", PiiKind.TENANT_FIELD)), result.redactions());
        assertEquals("Aetna", result.redacted().get("payer").asText());
        assertFalse(result.redacted().toString().contains("M-"));
    }

    @Test
    void builtInKindWinsOverTenantField() {
        RedactionResult result = PiiRedactor.redact(json("{'email':'x'}"), Set.of("email"));
        assertEquals(List.of(new Redaction("$.email", PiiKind.EMAIL)), result.redactions());
    }

    // ---- by value ----------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "contact jane.doe+billing@example.co.uk today | contact [REDACTED:EMAIL] today",
            "J.Smith@Mail.Example.COM | [REDACTED:EMAIL]",
            "card 4111 1111 1111 1111 declined | card [REDACTED:CARD_NUMBER] declined",
            "pan=4111-1111-1111-1111; retry | pan=[REDACTED:CARD_NUMBER]; retry",
            "4111111111111111 | [REDACTED:CARD_NUMBER]",
            "amex 3782 822463 10005. | amex [REDACTED:CARD_NUMBER].",
            "ssn 123-45-6789 on file | ssn [REDACTED:NATIONAL_ID] on file",
            "NINO AB 12 34 56 C | NINO [REDACTED:NATIONAL_ID]",
            "nino AB123456C | nino [REDACTED:NATIONAL_ID]",
            "SIN 130-692-544 | SIN [REDACTED:NATIONAL_ID]",
            "DNI 12345678Z | DNI [REDACTED:NATIONAL_ID]",
            "call +14155550100 now | call [REDACTED:PHONE] now",
            "call +44 20 7946 0958 | call [REDACTED:PHONE]",
            "tel +1 (415) 555-0100 | tel [REDACTED:PHONE]",
            "(415) 555-0100 | [REDACTED:PHONE]",
            "415-555-0100 | [REDACTED:PHONE]",
            "415.555.0100 | [REDACTED:PHONE]",
            "415 555 0100 | [REDACTED:PHONE]",
            "020 7946 0958 | [REDACTED:PHONE]"
    })
    void redactsPiiInsideStrings(String input, String expected) {
        assertEquals(expected, redactText(input));
    }

    @Test
    void reportsEachKindFoundInAString() {
        JsonNode payload = json("{'note':'mail a@b.io or b@c.io, call +14155550100'}");
        RedactionResult result = redact(payload);
        assertEquals("mail [REDACTED:EMAIL] or [REDACTED:EMAIL], call [REDACTED:PHONE]", result.redacted().get("note").asText());
        assertEquals(List.of(new Redaction("$.note", PiiKind.EMAIL), new Redaction("$.note", PiiKind.PHONE)),
                result.redactions(), "one entry per path and kind");
    }

    @Test
    void cardNumberSentAsJsonNumber() {
        RedactionResult result = redact(json("{'ref':4111111111111111,'count':4111111111111112}"));
        assertEquals("[REDACTED:CARD_NUMBER]", result.redacted().get("ref").asText());
        assertEquals(4111111111111112L, result.redacted().get("count").asLong());
    }

    @Test
    void recursesNestedObjectsAndArrays() {
        JsonNode payload = json("{'customer':{'contacts':[{'type':'work','value':'ops@acme.test'},"
                + "['+14155550100','fine']]},'items':[{'cardNumber':'x'},{'sku':'A-1'}],'amount':12.5}");
        RedactionResult result = redact(payload);
        JsonNode out = result.redacted();
        assertEquals("[REDACTED:EMAIL]", out.at("/customer/contacts/0/value").asText());
        assertEquals("[REDACTED:PHONE]", out.at("/customer/contacts/1/0").asText());
        assertEquals("fine", out.at("/customer/contacts/1/1").asText());
        assertEquals("[REDACTED:CARD_NUMBER]", out.at("/items/0/cardNumber").asText());
        assertEquals("A-1", out.at("/items/1/sku").asText());
        assertEquals(12.5, out.get("amount").asDouble());
        assertEquals(List.of(
                new Redaction("$.customer.contacts[0].value", PiiKind.EMAIL),
                new Redaction("$.customer.contacts[1][0]", PiiKind.PHONE),
                new Redaction("$.items[0].cardNumber", PiiKind.CARD_NUMBER)), result.redactions());
    }

    @Test
    void keysThatArePiiAreRedactedToo() {
        RedactionResult result = redact(json("{'byUser':{'jane@example.com':{'role':'admin'},'bob@example.com':1}}"));
        JsonNode byUser = result.redacted().get("byUser");
        assertTrue(byUser.has("[REDACTED:EMAIL]"));
        assertTrue(byUser.has("[REDACTED:EMAIL]#2"), "colliding keys are kept apart");
        assertFalse(result.redacted().toString().contains("example.com"));
        assertEquals(new Redaction("$.byUser['[REDACTED:EMAIL]']", PiiKind.EMAIL), result.redactions().get(0));
    }

    @Test
    void rootScalarAndNonStringValues() {
        assertEquals("[REDACTED:EMAIL]", PiiRedactor.redact(TextNode.valueOf("a@b.io"), null).redacted().asText());
        JsonNode plain = json("{'ok':true,'n':null,'x':1.5}");
        RedactionResult result = redact(plain);
        assertEquals(plain, result.redacted());
        assertFalse(result.anyRedacted());
    }

    @Test
    void neverMutatesTheInputAndNeverLeaksOriginals() {
        JsonNode payload = json("{'email':'jane@example.com','note':'card 4111 1111 1111 1111, ssn 123-45-6789',"
                + "'list':[{'phone':'+14155550100'}]}");
        JsonNode before = payload.deepCopy();
        RedactionResult result = redact(payload);
        assertEquals(before, payload);
        String out = result.redacted().toString() + result.redactions();
        for (String secret : List.of("jane", "4111", "123-45", "6789", "4155550100")) {
            assertFalse(out.contains(secret), secret + " leaked: " + out);
        }
    }

    // ---- no false positives ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "4111111111111112", // 16 digits failing Luhn
            "4111 1111 1111 1112",
            "1250000.00", "1,250,000.00", "1234567890123.45", "99999999999999.99", "-4500.10",
            "2024-05-01", "2024-05-01T10:15:30Z", "2024-05-01T10:15:30.123+02:00", "2024-05-01 10:15:30",
            "20240501", "01/05/2024", "1714550400001", "1714550400", // epoch millis / seconds
            "550e8400-e29b-41d4-a716-446655440000", "12345678-1234-1234-1234-123456789012",
            "INV-2024-000123", "SETTLE-20240501-0001", "ref 4111111111111112", "192.168.100.200", "v1.2.3",
            "IBAN check failed", "order 123456789", "+50", "tracking 1Z999AA10123456784", "123-456-7890",
            "000-12-3456", "666-12-3456", "912-34-5678", "12345678A", "QQ123456C", "Invoice #5551234",
            "amount 415 EUR on 555 accounts"
    })
    void leavesOrdinaryValuesAlone(String value) {
        assertEquals(value, redactText(value));
    }

    @Test
    void leavesRandomUuidsTimestampsAndAmountsAlone() {
        Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            String uuid = new UUID(random.nextLong(), random.nextLong()).toString();
            assertEquals(uuid, redactText(uuid));
            long millis = 978_307_200_000L + (long) (random.nextDouble() * 1_000_000_000_000L); // 2001..2032
            assertEquals(Long.toString(millis), redactText(Long.toString(millis)));
            assertEquals(Instant.ofEpochMilli(millis).toString(), redactText(Instant.ofEpochMilli(millis).toString()));
            String amount = String.format("%d.%02d", random.nextLong(0, 10_000_000_000_000L), random.nextInt(100));
            assertEquals(amount, redactText(amount));
        }
        JsonNode numbers = json("{'amount':1714550400001,'ts':1714550400000}");
        assertEquals(numbers, redact(numbers).redacted());
    }
}
