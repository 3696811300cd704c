package io.synid.agent.node;

import io.synid.agent.AgentTerminatedException;
import io.synid.agent.config.AgentSettings;
import io.synid.core.x509.InvalidPemException;
import io.synid.core.x509.Pem;
import io.synid.nodeattestor.AgentNodeAttestor;
import io.synid.nodeattestor.jointoken.JoinTokenClient;
import io.synid.nodeattestor.x509pop.X509PopClient;
import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Builds the agent half of the configured node attestation method. */
public final class NodeAttestors {
  private NodeAttestors() {}

  /**
   * The attestor for {@code method}; x509pop reads the node's certificate and key now, so an
   * attestation after a certificate rotation on disk uses the new files.
   *
   * @throws AgentTerminatedException if the node's files cannot be read or are malformed
   */
  public static AgentNodeAttestor create(AgentSettings.NodeAttestation method)
      throws AgentTerminatedException {
    if (method instanceof AgentSettings.NodeAttestation.JoinToken token) {
      return new JoinTokenClient(token.token());
    }
    AgentSettings.NodeAttestation.X509Pop pop = (AgentSettings.NodeAttestation.X509Pop) method;
    try {
      List<X509Certificate> chain = new ArrayList<>(
          Pem.decodeCertificates(Files.readString(pop.certificate())));
      if (pop.intermediates() != null) {
        chain.addAll(Pem.decodeCertificates(Files.readString(pop.intermediates())));
      }
      return new X509PopClient(chain, Pem.decodePrivateKey(Files.readString(pop.privateKey())),
          new SecureRandom());
    } catch (IOException | InvalidPemException | IllegalArgumentException e) {
      throw new AgentTerminatedException("x509pop: cannot load the node certificate or key: "
          + e.getMessage(), e);
    }
  }

  /** Whether the method can attest the same node again after an eviction (SPIRE's rule). */
  public static boolean canReattest(AgentSettings.NodeAttestation method) {
    return method instanceof AgentSettings.NodeAttestation.X509Pop;
  }
}
