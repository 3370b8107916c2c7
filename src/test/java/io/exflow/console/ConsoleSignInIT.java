package io.exflow.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.KeycloakClient;
import io.exflow.testing.KeycloakTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Operators sign in to the console at the real Keycloak server ({@link KeycloakTestResource}) with
 * the authorization-code flow, in headless Chromium: the console shows the tenants and roles their
 * realm roles grant (the api's claim mapping), refuses an account without an exflow role, signs out
 * at the provider too, refreshes the session while the provider's lasts, and ends it when the
 * provider's has ended, sending the operator to sign in again.
 * The api beside it keeps taking the provider's bearer tokens and never the console's session cookie.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@QuarkusTestResource(value = KeycloakTestResource.class, restrictToAnnotatedClass = true)
@TestProfile(ConsoleSignInIT.ConsoleWithIdentityProvider.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleSignInIT extends ConsoleBrowserTestBase {
    static final String ACME = "acme-bank";
    static final String MEDI = "medicare-plus";
    static final String SESSION_COOKIE = "q_session_console";
    /**
     * The realm's token lifespan in the expiry test (Keycloak's ID tokens expire with its access
     * tokens): short, so the console has to refresh within the test; long enough to sign in on a busy machine.
     */
    static final Duration SHORT_TOKEN_LIFESPAN = Duration.ofSeconds(10);



    /** The api role with the console signing in at the provider; realm roles are the grants (as in KeycloakTokensIT). */
    public static final class ConsoleWithIdentityProvider implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "api",
                    "exflow.api.auth.roles-claim", "realm_access.roles",
                    "exflow.console.oidc.enabled", "true",
                    "exflow.console.token-login", "false");
        }
    }

    static boolean atProviderSignIn(WebDriver d) {
        return d.getCurrentUrl().startsWith(KeycloakClient.realm() + "/protocol/openid-connect/auth")
                && !d.findElements(By.id("username")).isEmpty();
    }

    static void signInAtProvider(String user) {
        chromium.waitFor(ConsoleSignInIT::atProviderSignIn);
        browser.findElement(By.id("username")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(user + "-test-password");
        browser.findElement(By.id("kc-login")).click();
    }

    /** quarkus-oidc's session cookie, split into chunks when the tokens are large. */
    Map<String, String> sessionCookies() {
        Map<String, String> cookies = new java.util.TreeMap<>();
        for (Cookie c : browser.manage().getCookies()) {
            if (c.getName().startsWith(SESSION_COOKIE)) {
                cookies.put(c.getName(), c.getValue());
            }
        }
        return cookies;
    }

    @Test
    @Order(1)
    void anOperatorSignsInAtTheProviderAndGetsTheTenantsAndRolesOfTheirClaims() throws Exception {
        browser.get(url("/console"));
        signInAtProvider(KeycloakTestResource.OPERATOR_USER);
        chromium.waitFor(d -> d.getCurrentUrl().endsWith("/console/t/" + ACME + "/overview"));
        // realm roles exflow:acme-bank:operator and exflow:medicare-plus:approver, from the ID token
        assertThat(browser.findElements(By.cssSelector("#tenants a.tenant"))).extracting(WebElement::getText)
                .containsExactly(ACME, MEDI);
        assertThat(chromium.text("actor")).isEqualTo(KeycloakTestResource.OPERATOR_USER);
        assertThat(chromium.text("roles")).isEqualTo("operator");
        browser.get(url("/console/t/" + ACME + "/dead-letters"));
        assertThat(browser.findElements(By.id("replay-selected"))).isNotEmpty();

        browser.get(url("/console/t/" + MEDI + "/overview"));
        assertThat(chromium.text("roles")).isEqualTo("approver");
        // an approver of medicare-plus is no operator there, though an operator of acme-bank
        browser.get(url("/console/t/" + MEDI + "/dead-letters"));
        assertThat(browser.findElements(By.id("replay-selected"))).isEmpty();
        browser.get(url("/console/t/tenant-b-unknown/overview"));
        assertThat(chromium.text("error-status")).startsWith("403");

        // The session cookie is the console's: never an api credential, while the api keeps taking
        // the provider's bearer tokens.
        Map<String, String> session = sessionCookies();
        assertThat(session).isNotEmpty();
        given().cookies(session).get("/api/v1/tenants/{t}/dead-letters", ACME).then().statusCode(401);
        given().cookies(session).get("/console/t/{t}/overview", ACME).then().statusCode(200)
                // signing out is a form answered by a redirect to the provider: its origin may be a form target
                .header("Content-Security-Policy", org.hamcrest.Matchers.containsString("form-action 'self' "
                        + java.net.URI.create(KeycloakClient.base()).getScheme() + "://"
                        + java.net.URI.create(KeycloakClient.base()).getAuthority() + ";"));
        given().auth().oauth2(KeycloakClient.clientToken()).get("/api/v1/tenants/{t}/dead-letters", ACME).then()
                .statusCode(200);
    }

    @Test
    @Order(2)
    void signingOutEndsTheProviderSessionToo() {
        browser.get(url("/console/t/" + ACME + "/overview"));
        browser.findElement(By.id("sign-out")).click();
        chromium.waitFor(d -> d.getCurrentUrl().endsWith("/console/signed-out"));
        assertThat(chromium.text("signed-out")).isEqualTo("Signed out");
        assertThat(sessionCookies()).isEmpty();
        // Not signed in again silently: the provider asks for credentials.
        browser.get(url("/console/t/" + ACME + "/overview"));
        chromium.waitFor(ConsoleSignInIT::atProviderSignIn);
    }

    @Test
    @Order(3)
    void anAccountWithoutAnExflowRoleIsRefused() {
        browser.get(url("/console"));
        signInAtProvider(KeycloakTestResource.USER_WITHOUT_ROLE);
        chromium.waitFor(d -> !d.findElements(By.id("error-status")).isEmpty());
        assertThat(chromium.text("error-status")).startsWith("403");
        assertThat(chromium.text("error-detail")).contains("neither the operator nor the approver role");
        browser.get(url("/console/t/" + ACME + "/overview"));
        assertThat(chromium.text("error-status")).startsWith("403");
        assertThat(browser.findElements(By.id("tile-open"))).isEmpty();

        browser.findElement(By.id("sign-out")).click();
        chromium.waitFor(d -> d.getCurrentUrl().endsWith("/console/signed-out"));
    }

    @Test
    @Order(4)
    void aConsoleSessionLastsAsLongAsTheProviderSessionAndNoLonger() throws Exception {
        KeycloakClient.updateRealm(Map.of("accessTokenLifespan", (int) SHORT_TOKEN_LIFESPAN.toSeconds()));
        try {
            String page = url("/console/t/" + ACME + "/dead-letters"); // a page without live regions polling
            browser.get(page);
            signInAtProvider(KeycloakTestResource.OPERATOR_USER);
            chromium.waitFor(d -> d.getCurrentUrl().equals(page));
            // the ID token was issued before this page was shown, so it has expired by then
            Instant idTokenExpired = Instant.now().plus(SHORT_TOKEN_LIFESPAN).plusSeconds(1);
            Map<String, String> signedIn = sessionCookies();
            assertThat(signedIn).isNotEmpty();

            // The provider's session lasts: the expired ID token is refreshed in place (the page itself
            // with a new session cookie, no detour through the provider) and the operator stays signed in.
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), idTokenExpired).toMillis()));
            Response refreshed = given().cookies(signedIn).redirects().follow(false).get("/console/t/{t}/dead-letters", ACME);
            assertThat(refreshed.statusCode()).isEqualTo(200);
            assertThat(refreshed.getCookies().keySet()).anyMatch(name -> name.startsWith(SESSION_COOKIE));
            browser.get(page);
            assertThat(browser.getCurrentUrl()).isEqualTo(page);
            assertThat(chromium.text("actor")).isEqualTo(KeycloakTestResource.OPERATOR_USER);

            // The provider's session ends (here: an administrator signs the operator out everywhere).
            // The console keeps it until the ID token expires; then the refresh is refused, the session
            // cookie removed and the browser sent to the session-ended page: an open page whose live
            // region polls gets there by itself, without the operator navigating.
            KeycloakClient.endSessionsOf(KeycloakTestResource.OPERATOR_USER);
            browser.get(url("/console/t/" + ACME + "/exceptions"));
            chromium.waitFor(d -> d.getCurrentUrl().equals(url("/console/session-ended")));
            assertThat(chromium.text("session-ended")).isEqualTo("Session ended");
            assertThat(sessionCookies()).isEmpty();
            // Signing in again takes credentials: the provider's session is over too.
            browser.findElement(By.id("sign-in-again")).click();
            signInAtProvider(KeycloakTestResource.OPERATOR_USER);
            chromium.waitFor(d -> d.getCurrentUrl().endsWith("/console/t/" + ACME + "/overview"));
            assertThat(chromium.text("actor")).isEqualTo(KeycloakTestResource.OPERATOR_USER);
        } finally {
            KeycloakClient.updateRealm(Map.of("accessTokenLifespan", 300));
        }
    }
}
