package io.exflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import jakarta.json.Json;

/** Tenants and roles from the claims identity providers actually emit. */
class ClaimMappingTest {

    @Test
    void plainRolesHoldInEveryTenantOfTheTenantsClaim() {
        Grants g = ClaimMapping.DEFAULT.grants(Map.of("tenants", List.of("acme-bank", "medicare-plus"),
                "groups", List.of("ingest", "operator", "offline_access"))::get);
        assertThat(g.rolesIn("acme-bank")).containsExactlyInAnyOrder("ingest", "operator");
        assertThat(g.rolesIn("medicare-plus")).containsExactlyInAnyOrder("ingest", "operator");
        assertThat(g.rolesIn("dormant-co")).isEmpty();
        assertThat(g.roles()).containsExactlyInAnyOrder("ingest", "operator");
        assertThat(g.platformAdmin()).isFalse();
    }

    @Test
    void tenantScopedGroupsHoldOnlyInTheirTenant() {
        Grants g = ClaimMapping.DEFAULT.grants(Map.of("groups",
                List.of("exflow:acme-bank:operator", "/exflow:medicare-plus:ingest", "exflow:acme-bank:janitor", "staff"))::get);
        assertThat(g.rolesIn("acme-bank")).containsExactly("operator");
        assertThat(g.rolesIn("medicare-plus")).containsExactly("ingest");
        assertThat(g.tenants()).containsExactlyInAnyOrder("acme-bank", "medicare-plus");
        assertThat(g.roles()).containsExactlyInAnyOrder("operator", "ingest");
    }

    @Test
    void aWildcardTenantIsAPlatformAdminInEveryTenant() {
        Grants scoped = ClaimMapping.DEFAULT.grants(Map.of("groups", List.of("exflow:*:operator"))::get);
        assertThat(scoped.platformAdmin()).isTrue();
        assertThat(scoped.rolesIn("any-tenant")).containsExactly("operator");
        Grants plain = ClaimMapping.DEFAULT.grants(Map.of("tenants", List.of("*"), "groups", List.of("approver"))::get);
        assertThat(plain.platformAdmin()).isTrue();
        assertThat(plain.rolesIn("acme-bank")).containsExactly("approver");
    }

    @Test
    void claimsAreConfigurableAndMayBeNestedPathsInJsonObjects() {
        // Keycloak: realm roles under realm_access.roles; a custom prefix; JSON-P values as smallrye-jwt hands them over.
        ClaimMapping keycloak = new ClaimMapping("exflow_tenants", "realm_access.roles", "xf/");
        Map<String, Object> claims = Map.of(
                "exflow_tenants", Json.createArrayBuilder().add("acme-bank").build(),
                "realm_access", Json.createObjectBuilder().add("roles",
                        Json.createArrayBuilder().add("approver").add("xf/medicare-plus:operator").add("uma_authorization")).build());
        Grants g = keycloak.grants(claims::get);
        assertThat(g.rolesIn("acme-bank")).containsExactly("approver");
        assertThat(g.rolesIn("medicare-plus")).containsExactly("operator");
    }

    @Test
    void aSingleStringClaimCountsAndMissingOrOddClaimsGrantNothing() {
        assertThat(ClaimMapping.DEFAULT.grants(Map.of("tenants", "acme-bank", "groups", "ingest")::get).rolesIn("acme-bank"))
                .containsExactly("ingest");
        assertThat(ClaimMapping.DEFAULT.grants(Map.<String, Object>of()::get)).isSameAs(Grants.NONE);
        assertThat(ClaimMapping.DEFAULT.grants(Map.of("groups", List.of("exflow:nocolon", "exflow::ingest"))::get).tenants())
                .isEmpty();
        assertThat(ClaimMapping.DEFAULT.grants(Map.of("tenants", List.of("acme-bank"), "groups", 42)::get)).isSameAs(Grants.NONE);
    }
}
