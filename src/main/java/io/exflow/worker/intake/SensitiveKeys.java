package io.exflow.worker.intake;

import io.exflow.domain.events.PiiKind;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Field names whose value is personal or secret whatever it looks like. Names are compared in
 * canonical form (lower case, letters and digits only), so {@code cardNumber},
 * {@code card-number} and {@code CARD_NUMBER} are the same name.
 */
final class SensitiveKeys {

    /** A canonical name, exactly. */
    private static final Map<String, PiiKind> EXACT = new HashMap<>();
    /** Canonical names ending like this ({@code customerEmail}, {@code billingPhone}). */
    private static final Map<String, PiiKind> SUFFIXES = new LinkedHashMap<>();

    static {
        exact(PiiKind.EMAIL, "email", "emailaddress", "emailid");
        suffix(PiiKind.EMAIL, "email", "emailaddress");

        exact(PiiKind.CARD_NUMBER, "pan", "cardnumber", "cardno", "cardnum", "creditcard", "creditcardnumber",
                "ccnumber", "ccnum", "primaryaccountnumber");
        suffix(PiiKind.CARD_NUMBER, "cardnumber", "cardno", "creditcardnumber", "primaryaccountnumber");

        exact(PiiKind.NATIONAL_ID, "ssn", "socialsecuritynumber", "socialsecurityno", "nationalid",
                "nationalidnumber", "nationalidentifier", "nin", "nino", "nationalinsurancenumber", "sin",
                "socialinsurancenumber", "taxid", "taxidentificationnumber", "tin", "itin", "passport",
                "passportnumber", "passportno", "driverslicense", "driverslicensenumber", "driverlicense",
                "driverlicensenumber", "dni", "nif", "cpf", "aadhaar");
        suffix(PiiKind.NATIONAL_ID, "ssn", "nationalid", "socialsecuritynumber", "passportnumber", "taxid",
                "driverslicense", "driverlicense");

        exact(PiiKind.PHONE, "phone", "phonenumber", "phoneno", "mobile", "mobilenumber", "mobilephone",
                "cellphone", "cell", "msisdn", "telephone", "tel", "fax", "faxnumber");
        suffix(PiiKind.PHONE, "phone", "phonenumber", "phoneno", "mobilenumber", "telephone");

        exact(PiiKind.SENSITIVE_KEY, "password", "passwd", "pwd", "passphrase", "secret", "clientsecret",
                "apikey", "apisecret", "accesstoken", "refreshtoken", "idtoken", "authtoken", "token",
                "authorization", "privatekey", "dob", "dateofbirth", "birthdate", "birthday", "iban",
                "accountnumber", "bankaccount", "bankaccountnumber", "acctnumber", "acctno", "routingnumber",
                "sortcode", "cvv", "cvv2", "cvc", "cvc2", "securitycode", "pin", "pincode", "otp",
                "mothersmaidenname");
        suffix(PiiKind.SENSITIVE_KEY, "password", "passwd", "secret", "token", "apikey", "privatekey",
                "dateofbirth", "birthdate", "iban", "accountnumber", "cvv", "pincode");
    }

    private SensitiveKeys() {
    }

    private static void exact(PiiKind kind, String... names) {
        for (String name : names) {
            EXACT.put(name, kind);
        }
    }

    private static void suffix(PiiKind kind, String... names) {
        for (String name : names) {
            SUFFIXES.put(name, kind);
        }
    }

    static String canonical(String key) {
        return PayloadField.canonicalKey(key);
    }

    static Set<String> canonicalAll(Set<String> names) {
        Set<String> out = new HashSet<>();
        if (names != null) {
            for (String name : names) {
                if (name != null && !name.isBlank()) {
                    out.add(canonical(name));
                }
            }
        }
        return out;
    }

    /**
     * @param tenantFields canonical tenant PII field names
     * @return why the value of {@code key} must be redacted, or {@code null}
     */
    static PiiKind classify(String key, Set<String> tenantFields) {
        String name = canonical(key);
        if (name.isEmpty()) {
            return null;
        }
        PiiKind kind = EXACT.get(name);
        if (kind != null) {
            return kind;
        }
        for (Map.Entry<String, PiiKind> suffix : SUFFIXES.entrySet()) {
            if (name.endsWith(suffix.getKey())) {
                return suffix.getValue();
            }
        }
        return tenantFields.contains(name) ? PiiKind.TENANT_FIELD : null;
    }
}
