package io.exflow.api;

import java.util.List;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.InvalidConfigException;
import io.exflow.runtime.config.WorkerRole;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The public HTTP port (8080) around the REST resources: it answers only in a process that
 * runs the api role (any other role gets a 404 problem for every path), refuses a declared
 * body above API_MAX_BODY_BYTES before anything reads it (413), and turns every path nothing
 * serves into a 404 problem. Health, metrics and OpenAPI are on the management port and never here.
 */
@ApplicationScoped
public class ApiHttp {
    private static final Logger LOG = Logger.getLogger(ApiHttp.class);
    private final ExflowSettings settings;
    private final ObjectMapper mapper;
    private final Config config;

    public ApiHttp(ExflowSettings settings, ObjectMapper mapper, Config config) {
        this.settings = settings;
        this.mapper = mapper;
        this.config = config;
    }

    @Produces
    @Singleton
    ApiSettings apiSettings() {
        return ApiSettings.load(config);
    }

    /**
     * With the api role, bad api settings and an unreadable token key stop start-up, naming the
     * variable; so do the dev-only conveniences outside the dev and test profiles: the committed dev
     * key and the console's pasted-token login, unless EXFLOW_ALLOW_INSECURE_DEV_KEY=true says this is
     * a throw-away local stack (then each is logged loudly).
     */
    void onStart(@Observes @Priority(20) StartupEvent event, ApiSettings api) {
        if (!settings.runs(WorkerRole.API)) {
            return;
        }
        String keyLocation = api.publicKeyLocation();
        // a JWKS endpoint is the identity provider's: read when the first token arrives
        if (!DevKeyGuard.isRemote(keyLocation)) {
            String key = DevKeyGuard.read(keyLocation).orElseThrow(() -> new InvalidConfigException("JWT_PUBLIC_KEY_LOCATION",
                    "names no readable public key: '" + keyLocation + "' (a file path, classpath resource or JWKS URL; "
                            + "in Kubernetes mount it from a Secret)"));
            if (DevKeyGuard.holdsDevKey(key)) {
                refuseOutsideDev(api, "JWT_PUBLIC_KEY_LOCATION", "'" + keyLocation + "' is the committed DEV key: "
                        + "anyone can mint tokens it accepts. Point it at your identity provider's JWKS URL or key",
                        "the api accepts tokens signed with the committed dev key; anyone can mint them");
            }
        }
        if (api.consoleTokenLogin()) {
            refuseOutsideDev(api, "CONSOLE_TOKEN_LOGIN", "is true: the console's pasted-token login is for dev and test. "
                    + "Sign operators in at your identity provider (CONSOLE_OIDC_ENABLED=true) or behind an identity proxy",
                    "the console serves its pasted-token login page (CONSOLE_TOKEN_LOGIN=true)");
        }
    }

    /**
     * A dev-only setting outside the dev and test profiles stops start-up, naming its variable and the
     * override; with the override it is logged as INSECURE at every start.
     */
    private static void refuseOutsideDev(ApiSettings api, String variable, String problem, String insecureBecause) {
        if (devOrTestProfile()) {
            return;
        }
        if (!api.allowInsecureDevKey()) {
            throw new InvalidConfigException(variable, problem + ", or set " + DevKeyGuard.OVERRIDE
                    + "=true if this is a throw-away local stack");
        }
        LOG.warnf("INSECURE: %s (%s=true). Never run this outside a throw-away local stack.", insecureBecause,
                DevKeyGuard.OVERRIDE);
    }

    private static boolean devOrTestProfile() {
        List<String> profiles = ConfigUtils.getProfiles();
        return profiles.contains("dev") || profiles.contains("test");
    }

    void routes(@Observes Router router, ApiSettings api) {
        router.route().order(Integer.MIN_VALUE + 100).handler(ctx -> {
            if (!settings.runs(WorkerRole.API)) {
                write(ctx, Problem.of(404, "not-found", "Not Found", "this process does not run the api role"));
                return;
            }
            String length = ctx.request().getHeader("Content-Length");
            if (length != null && tooLarge(length, api.maxBodyBytes())) {
                ctx.response().putHeader("Connection", "close"); // the body is not read
                write(ctx, tooLarge(api));
                return;
            }
            ctx.next();
        });
        router.route().order(Integer.MAX_VALUE).handler(ctx -> write(ctx, Problem.of(404, "not-found", "Not Found",
                "no such resource")));
    }

    static Problem tooLarge(ApiSettings api) {
        return Problem.of(413, "payload-too-large", "Payload Too Large",
                "the request body exceeds " + api.maxBodyBytes() + " bytes");
    }

    private static boolean tooLarge(String contentLength, int max) {
        try {
            return Long.parseLong(contentLength.trim()) > max;
        } catch (NumberFormatException e) {
            return false; // Vert.x rejects a malformed Content-Length itself
        }
    }

    private void write(RoutingContext ctx, Problem problem) {
        try {
            ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(mapper.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
