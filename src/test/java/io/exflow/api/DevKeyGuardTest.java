package io.exflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed dev key is recognised by its fingerprint in every form a key location may hold it. */
class DevKeyGuardTest {

    @Test
    void theCommittedDevKeyIsRecognisedAsPemFromTheClasspathAndFromAFile(@TempDir Path dir) throws Exception {
        String pem = DevKeyGuard.read("dev-jwt/publicKey.pem").orElseThrow();
        assertThat(DevKeyGuard.holdsDevKey(pem)).isTrue();
        assertThat(DevKeyGuard.read("classpath:dev-jwt/publicKey.pem")).contains(pem);
        Path copy = Files.writeString(dir.resolve("renamed.pem"), pem);
        assertThat(DevKeyGuard.holdsDevKey(DevKeyGuard.read(copy.toString()).orElseThrow())).isTrue();
        assertThat(DevKeyGuard.holdsDevKey(DevKeyGuard.read("file:" + copy).orElseThrow())).isTrue();
        String bare = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        assertThat(DevKeyGuard.holdsDevKey(bare)).isTrue();
    }

    @Test
    void theDevKeyConvertedToAJwkInAJwkSetIsRecognisedToo() throws Exception {
        String pem = DevKeyGuard.read("dev-jwt/publicKey.pem").orElseThrow();
        RSAPublicKey key = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new java.security.spec.X509EncodedKeySpec(
                Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""))));
        String jwks = "{\"keys\":[" + jwk(generated(), "other") + "," + jwk(key, "dev") + "]}";
        assertThat(DevKeyGuard.holdsDevKey(jwks)).isTrue();
        assertThat(DevKeyGuard.holdsDevKey(jwk(key, "dev"))).isTrue();
    }

    @Test
    void anyOtherKeyAndUnreadableLocationsAreNotTheDevKey() throws Exception {
        RSAPublicKey other = generated();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(other.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        assertThat(DevKeyGuard.holdsDevKey(pem)).isFalse();
        assertThat(DevKeyGuard.holdsDevKey("{\"keys\":[" + jwk(other, "k1") + "]}")).isFalse();
        assertThat(DevKeyGuard.holdsDevKey("not a key")).isFalse();
        assertThat(DevKeyGuard.read("no/such/key.pem")).isEmpty();
        assertThat(DevKeyGuard.isRemote("https://idp.example.com/jwks")).isTrue();
    }

    private static RSAPublicKey generated() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return (RSAPublicKey) g.generateKeyPair().getPublic();
    }

    private static String jwk(RSAPublicKey key, String kid) {
        return "{\"kty\":\"RSA\",\"kid\":\"" + kid + "\",\"n\":\"" + b64(key.getModulus()) + "\",\"e\":\""
                + b64(key.getPublicExponent()) + "\"}";
    }

    private static String b64(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
