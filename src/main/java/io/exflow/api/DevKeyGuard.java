package io.exflow.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Recognises the committed dev key pair (public half in src/main/resources/dev-jwt, private half in
 * the public repository) by the SHA-256 of its encoded public key (X.509 SubjectPublicKeyInfo),
 * whatever form the configured key location holds it in: PEM, a certificate, bare base64, a JWK or
 * a JWK set. Reads the key location the way the api's verifier does: a file path, {@code file:},
 * or a classpath resource; JWKS URLs are the identity provider's and are not read here.
 */
final class DevKeyGuard {
    /** SHA-256 of the dev public key's X.509 encoding (the base64 body of dev-jwt/publicKey.pem). */
    static final String DEV_KEY_SHA256 = "408b4c7b940c4721e9f54435783aee6e8602f1af2c2e0f5c4a247136da658bae";
    static final String OVERRIDE = "EXFLOW_ALLOW_INSECURE_DEV_KEY";

    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");
    private static final ObjectMapper JSON = new ObjectMapper();

    private DevKeyGuard() {
    }

    static boolean isRemote(String location) {
        return location.startsWith("http://") || location.startsWith("https://");
    }

    /** The content at a file or classpath key location, or empty if nothing readable is there. */
    static Optional<String> read(String location) {
        String path = location.startsWith("file:") ? location.substring(5) : location;
        try {
            if (Files.isReadable(Path.of(path))) {
                return Optional.of(Files.readString(Path.of(path)));
            }
        } catch (IOException | RuntimeException e) {
            // not a readable file: try the classpath
        }
        String resource = location.startsWith("classpath:") ? location.substring(10) : location;
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** True if any public key in this key material is the committed dev key. */
    static boolean holdsDevKey(String keyMaterial) {
        return fingerprints(keyMaterial).contains(DEV_KEY_SHA256);
    }

    static List<String> fingerprints(String keyMaterial) {
        List<String> out = new ArrayList<>();
        for (PublicKey key : publicKeys(keyMaterial.trim())) {
            out.add(sha256(key.getEncoded()));
        }
        return out;
    }

    private static List<PublicKey> publicKeys(String material) {
        List<PublicKey> keys = new ArrayList<>();
        try {
            if (material.startsWith("{")) {
                JsonNode root = JSON.readTree(material);
                JsonNode list = root.has("keys") ? root.get("keys") : JSON.createArrayNode().add(root);
                for (JsonNode jwk : list) {
                    if ("RSA".equals(jwk.path("kty").asText()) && jwk.hasNonNull("n") && jwk.hasNonNull("e")) {
                        keys.add(KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                                unsigned(jwk.get("n").asText()), unsigned(jwk.get("e").asText()))));
                    }
                }
            } else if (material.contains("-----BEGIN")) {
                Matcher m = PEM.matcher(material);
                while (m.find()) {
                    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                    keys.add(m.group(1).contains("CERTIFICATE")
                            ? CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)).getPublicKey()
                            : KeyFactory.getInstance("RSA").generatePublic(new java.security.spec.X509EncodedKeySpec(der)));
                }
            } else {
                byte[] der = Base64.getMimeDecoder().decode(material);
                keys.add(KeyFactory.getInstance("RSA").generatePublic(new java.security.spec.X509EncodedKeySpec(der)));
            }
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            // not key material this guard understands; the verifier reports unusable keys itself
        }
        return keys;
    }

    private static BigInteger unsigned(String base64Url) {
        return new BigInteger(1, Base64.getUrlDecoder().decode(base64Url));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
