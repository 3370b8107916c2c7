package io.exflow.console;

import java.net.URI;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.vertx.core.http.Cookie;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * HTTP plumbing of the console, before the pages: on every {@code /console} path it sets the
 * security headers (a strict Content-Security-Policy: scripts and styles only from this origin,
 * no framing), and hands the session cookie to the same bearer-token authentication the api uses,
 * by presenting it as the Authorization header when the request carries none (a proxy in front
 * of the console may set that header itself). Only {@code /console} paths read the cookie, so
 * the api's routes never accept a cookie as credentials. A page request without any credentials
 * is sent to the login page. With the identity provider's sign-in (CONSOLE_OIDC_ENABLED) none of
 * that applies: quarkus-oidc's session cookie is the credential and an unauthenticated request is
 * sent to the provider (see the console-oidc permission in application.properties).
 */
@ApplicationScoped
public class ConsoleHttp {
    public static final String SESSION_COOKIE = "exflow_console";
    public static final String CSRF_COOKIE = "exflow_csrf";
    public static final String BASE = "/console";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action %s; frame-ancestors 'none'; base-uri 'none'";

    @ConfigProperty(name = "exflow.console.oidc.enabled")
    boolean oidc;
    @ConfigProperty(name = "quarkus.oidc.console.auth-server-url")
    Optional<String> provider;

    /**
     * Forms post to this origin only; with the provider's sign-in also to the provider's origin,
     * because signing out is a form whose answer redirects there (browsers apply form-action to the
     * redirects that follow a form submission).
     */
    String contentSecurityPolicy() {
        String formAction = "'self'";
        if (oidc && provider.isPresent()) {
            URI url = URI.create(provider.get());
            formAction += " " + url.getScheme() + "://" + url.getAuthority();
        }
        return CSP.formatted(formAction);
    }

    void routes(@Observes Router router) {
        String csp = contentSecurityPolicy();
        router.route(BASE + "*").order(Integer.MIN_VALUE + 200).handler(ctx -> {
            String path = ctx.normalizedPath();
            if (!path.equals(BASE) && !path.startsWith(BASE + "/")) {
                ctx.next();
                return;
            }
            ctx.response().putHeader("Content-Security-Policy", csp)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer")
                    .putHeader("Cache-Control", "no-store");
            if (oidc || open(path)) {
                ctx.next();
                return;
            }
            Cookie session = ctx.request().getCookie(SESSION_COOKIE);
            if (ctx.request().getHeader("Authorization") == null) {
                if (session == null || session.getValue().isBlank()) {
                    ctx.response().setStatusCode(303).putHeader("Location", BASE + "/login").end();
                    return;
                }
                ctx.request().headers().set("Authorization", "Bearer " + session.getValue());
            }
            ctx.next();
        });
    }

    /** Paths served without credentials: the login page, the signed-out and session-ended pages and the static files. */
    static boolean open(String path) {
        return path.equals(BASE + "/login") || path.equals(BASE + "/signed-out") || path.equals(BASE + "/sign-in-failed")
                || path.equals(BASE + "/session-ended") || path.startsWith(BASE + "/static/");
    }

}
