package io.synid.policy.parse;

import io.synid.policy.model.Action;
import io.synid.policy.model.IdentityMatcher;
import io.synid.policy.model.IngressRule;
import io.synid.policy.model.Peer;
import io.synid.policy.model.Policy;
import io.synid.policy.model.PortRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes policies as a policy file that {@link PolicyParser} reads back into equal policies
 * (one YAML document per policy; strings double-quoted).
 */
public final class PolicyWriter {

    private PolicyWriter() {}

    /** The YAML of {@code policies}, in the given order. */
    public static String write(List<Policy> policies) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < policies.size(); i++) {
            if (i > 0) {
                b.append("---\n");
            }
            write(policies.get(i), b);
        }
        return b.toString();
    }

    private static void write(Policy p, StringBuilder b) {
        b.append("name: ").append(quote(p.name())).append('\n');
        b.append("mode: ").append(p.mode().yamlName()).append('\n');
        b.append("applies_to:\n");
        for (IdentityMatcher m : p.appliesTo()) {
            b.append("  - ").append(matcher(m)).append('\n');
        }
        if (p.ingress().isEmpty()) {
            b.append("ingress: []\n");
            return;
        }
        b.append("ingress:\n");
        for (IngressRule r : p.ingress()) {
            b.append("  - from:\n");
            for (Peer peer : r.from()) {
                b.append("      - ");
                if (peer instanceof Peer.Identity id) {
                    b.append(matcher(id.matcher()));
                } else if (peer instanceof Peer.Unauthenticated u) {
                    b.append("unauthenticated: {cidr: ").append(quote(u.cidr().toString())).append('}');
                }
                b.append('\n');
            }
            if (!r.ports().isAll()) {
                List<String> ports = new ArrayList<>();
                for (PortRange range : r.ports().ranges()) {
                    ports.add(range.first() == range.last() ? range.toString() : quote(range.toString()));
                }
                b.append("    ports: [").append(String.join(", ", ports)).append("]\n");
            }
            if (r.action() == Action.DENY) {
                b.append("    action: deny\n");
            }
        }
    }

    private static String matcher(IdentityMatcher m) {
        if (m instanceof IdentityMatcher.ExactId e) {
            return "spiffe_id: " + quote(e.spiffeId().toString());
        }
        if (m instanceof IdentityMatcher.IdPrefix p) {
            return "spiffe_id_prefix: " + quote(p.prefix());
        }
        return "selector: " + quote(((IdentityMatcher.HasSelector) m).selector().toString());
    }

    /** A YAML double-quoted scalar. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
