package io.exflow.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A minimal identity provider for tests, on the JDK's HTTP server: it publishes its signing keys
 * as a JWKS (what the api fetches), mints RS256 tokens with the claims it is sent (what a real
 * provider's token endpoint does after a login), and rotates its keys on request — a new key
 * (new {@code kid}) is published and every older one withdrawn, though tests can still sign with
 * a withdrawn key to show that its tokens are refused. Controlled over HTTP so the test and the
 * app under test need not share classes:
 * <pre>
 *   GET  /jwks                 the published keys
 *   POST /token[?kid=k]        body: JSON claims → a token signed by the newest key (or key k)
 *   POST /rotate               → {"kid": new, "withdrawn": [...]}
 *   GET  /fetches              → how many times /jwks was fetched
 * </pre>
 * The real Keycloak runs in KeycloakTokensIT; this one exists for tokens a real provider will not
 * mint on demand (wrong audience, too old, expired within the skew): see docs/security.md.
 */
public class TestIdentityProvider implements QuarkusTestResourceLifecycleManager {
    /** Config key the tests read the provider's base URL from. */
    public static final String URL_PROPERTY = "exflow.test.idp-url";
    public static final String AUDIENCE = "exflow-api";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, KeyPair> keys = new LinkedHashMap<>();
    private final List<String> published = new ArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private int generation;
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        rotate();
        server.createContext("/jwks", ex -> {
            fetches.incrementAndGet();
            reply(ex, 200, jwks());
        });
        server.createContext("/token", ex -> {
            String query = ex.getRequestURI().getQuery();
            String kid = query != null && query.startsWith("kid=") ? query.substring(4) : newestKid();
            @SuppressWarnings("unchecked")
            Map<String, Object> claims = JSON.readValue(ex.getRequestBody().readAllBytes(), Map.class);
            reply(ex, 200, sign(kid, claims));
        });
        server.createContext("/rotate", ex -> {
            List<String> withdrawn = rotate();
            reply(ex, 200, JSON.writeValueAsString(Map.of("kid", newestKid(), "withdrawn", withdrawn)));
        });
        server.createContext("/fetches", ex -> reply(ex, 200, String.valueOf(fetches.get())));
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of(URL_PROPERTY, base,
                "mp.jwt.verify.publickey.location", base + "/jwks",
                "mp.jwt.verify.issuer", base + "/realms/exflow",
                "mp.jwt.verify.audiences", AUDIENCE);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private synchronized List<String> rotate() {
        List<String> withdrawn = new ArrayList<>(published);
        published.clear();
        String kid = "key-" + (++generation);
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            keys.put(kid, g.generateKeyPair());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        published.add(kid);
        return withdrawn;
    }

    private synchronized String newestKid() {
        return published.get(published.size() - 1);
    }

    private synchronized String jwks() throws IOException {
        List<Map<String, String>> list = new ArrayList<>();
        for (String kid : published) {
            RSAPublicKey pub = (RSAPublicKey) keys.get(kid).getPublic();
            list.add(Map.of("kty", "RSA", "use", "sig", "alg", "RS256", "kid", kid,
                    "n", b64(pub.getModulus()), "e", b64(pub.getPublicExponent())));
        }
        return JSON.writeValueAsString(Map.of("keys", list));
    }

    private synchronized String sign(String kid, Map<String, Object> claims) throws IOException {
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        String header = enc.encodeToString(JSON.writeValueAsBytes(Map.of("alg", "RS256", "typ", "JWT", "kid", kid)));
        String body = enc.encodeToString(JSON.writeValueAsBytes(claims));
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(keys.get(kid).getPrivate());
            s.update((header + "." + body).getBytes(StandardCharsets.US_ASCII));
            return header + "." + body + "." + enc.encodeToString(s.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static String b64(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
