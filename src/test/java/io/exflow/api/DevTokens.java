package io.exflow.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Mints RS256 bearer tokens with the dev key pair (private half: src/test/resources/dev-jwt),
 * the same tokens bin/dev-token makes. Can also sign with a throw-away key (an invalid token).
 */
public final class DevTokens {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DevTokens() {
    }

    public static String token(String subject, List<String> tenants, List<String> groups) {
        return sign(claims(subject, tenants, groups, Instant.now().plusSeconds(600), "exflow"), devKey());
    }

    static String expired(String subject, List<String> tenants, List<String> groups) {
        return sign(claims(subject, tenants, groups, Instant.now().minusSeconds(3600), "exflow"), devKey());
    }

    static String wrongIssuer(String subject, List<String> tenants, List<String> groups) {
        return sign(claims(subject, tenants, groups, Instant.now().plusSeconds(600), "someone-else"), devKey());
    }

    static String signedByAnotherKey(String subject, List<String> tenants, List<String> groups) {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return sign(claims(subject, tenants, groups, Instant.now().plusSeconds(600), "exflow"), g.generateKeyPair().getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> claims(String subject, List<String> tenants, List<String> groups, Instant exp,
            String issuer) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", issuer);
        c.put("sub", subject);
        c.put("upn", subject);
        c.put("iat", Instant.now().minusSeconds(5).getEpochSecond());
        c.put("exp", exp.getEpochSecond());
        c.put("tenants", tenants);
        c.put("groups", groups);
        return c;
    }

    private static String sign(Map<String, Object> claims, PrivateKey key) {
        try {
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String header = b64.encodeToString(JSON.writeValueAsBytes(Map.of("alg", "RS256", "typ", "JWT")));
            String body = b64.encodeToString(JSON.writeValueAsBytes(claims));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update((header + "." + body).getBytes(StandardCharsets.US_ASCII));
            return header + "." + body + "." + b64.encodeToString(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey devKey() {
        try (InputStream in = DevTokens.class.getClassLoader().getResourceAsStream("dev-jwt/privateKey.pem")) {
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
