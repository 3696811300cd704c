package io.synid.server.cli.federation;

import io.synid.server.cli.bundle.BundleData;
import picocli.CommandLine.Option;

/** The relationship flags of {@code federation create} and {@code federation update}. */
final class FederationRelationshipFlags {
  @Option(names = {"-data", "--data"}, paramLabel = "<file>",
      description = "Path to a file of federation relationships in JSON ('-' reads stdin); excludes the other relationship flags")
  String data = "";

  @Option(names = {"-trustDomain", "--trustDomain"}, paramLabel = "<name>",
      description = "Name of the trust domain to federate with (e.g., example.org)")
  String trustDomain = "";

  @Option(names = {"-bundleEndpointURL", "--bundleEndpointURL"}, paramLabel = "<url>",
      description = "URL of the SPIFFE bundle endpoint that provides the trust bundle (must use HTTPS)")
  String bundleEndpointUrl = "";

  @Option(names = {"-bundleEndpointProfile", "--bundleEndpointProfile"}, paramLabel = "<profile>",
      description = "Endpoint profile type (either \"https_web\" or \"https_spiffe\")")
  String bundleEndpointProfile = "";

  @Option(names = {"-endpointSpiffeID", "--endpointSpiffeID"}, paramLabel = "<spiffe id>",
      description = "SPIFFE ID of the bundle endpoint server; only for the https_spiffe profile")
  String endpointSpiffeId = "";

  @Option(names = {"-trustDomainBundlePath", "--trustDomainBundlePath"}, paramLabel = "<file>",
      description = "Path to the trust domain bundle data (optional)")
  String trustDomainBundlePath = "";

  @Option(names = {"-trustDomainBundleFormat", "--trustDomainBundleFormat"}, paramLabel = "<format>",
      description = "The format of the bundle data (optional): \"pem\" or \"spiffe\" (default: pem)")
  String trustDomainBundleFormat = BundleData.FORMAT_PEM;

  /** Whether no relationship field was given (the {@code -data} file is then the only source). */
  boolean noRelationshipFields() {
    return bundleEndpointProfile.isEmpty() && bundleEndpointUrl.isEmpty()
        && trustDomainBundleFormat.equals(BundleData.FORMAT_PEM) && trustDomainBundlePath.isEmpty()
        && endpointSpiffeId.isEmpty() && trustDomain.isEmpty();
  }
}
