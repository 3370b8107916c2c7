package io.exflow.api;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Gives every identity whose principal is a verified JWT (a bearer token today; an OIDC session's
 * ID token uses the same principal type) its {@link Grants}, mapped from the token's claims by the
 * configured {@link ClaimMapping}. The identity's roles become the union of the granted roles (what
 * {@code @RolesAllowed} checks); the per-tenant grants ride along as the {@value #GRANTS} attribute
 * that {@link Caller} reads. Roles the token itself carried are replaced, so a tenant-scoped group
 * name never counts as a role on its own.
 */
@ApplicationScoped
public class GrantsAugmentor implements SecurityIdentityAugmentor {
    public static final String GRANTS = "exflow.grants";

    private final ApiSettings settings;

    public GrantsAugmentor(ApiSettings settings) {
        this.settings = settings;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        Grants grants = settings.claimMapping().grants(jwt::getClaim);
        QuarkusSecurityIdentity.Builder mapped = QuarkusSecurityIdentity.builder()
                .setPrincipal(jwt)
                .addCredentials(identity.getCredentials())
                .addAttributes(identity.getAttributes())
                .addAttribute(GRANTS, grants)
                .addRoles(grants.roles());
        return Uni.createFrom().item(mapped.build());
    }
}
