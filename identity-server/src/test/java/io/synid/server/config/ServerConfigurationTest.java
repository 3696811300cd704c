package io.synid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.ConfigurationParsingException;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.ConfigurationFactory;
import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The configuration is validated at start with errors that name the field and the problem. */
class ServerConfigurationTest {
  @TempDir Path tmp;

  /** Built exactly as Dropwizard builds it at start (which enables failing on unknown fields). */
  private final ConfigurationFactory<ServerConfiguration> factory =
      new DefaultConfigurationFactoryFactory<ServerConfiguration>().create(
          ServerConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");

  private ServerConfiguration load(String yaml) throws Exception {
    Path file = tmp.resolve("server.yaml");
    Files.writeString(file, yaml);
    return factory.build(new FileConfigurationSourceProvider(), file.toString());
  }

  @Test
  void shippedExamplesAreValid() throws Exception {
    Path conf = Path.of(System.getProperty("user.dir")).getParent().resolve("conf/server");
    for (String name : new String[] {"server.yaml", "server-full.yaml"}) {
      // With environment substitution, as bin/synid-server reads it (comments are substituted too).
      ServerConfiguration c = factory.build(new io.dropwizard.configuration.SubstitutingSourceProvider(
          new FileConfigurationSourceProvider(),
          new io.dropwizard.configuration.EnvironmentVariableSubstitutor(true)), conf.resolve(name).toString());
      assertThat(c.getTrustDomain()).isEqualTo("example.org");
    }
  }

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of("dataDir: /tmp/x\n", "trustDomain is required (for example example.org)"),
        Arguments.of("trustDomain: Example.ORG\ndataDir: /tmp/x\n", "trustDomain is not a valid SPIFFE trust domain name"),
        Arguments.of("trustDomain: example.org\n", "dataDir is required"),
        Arguments.of("trustDomain: example.org\ndataDir: /tmp/x\nca:\n  keyType: ec-p521\n", "ca.keyType must be one of ec-p256, ec-p384, rsa-2048"),
        Arguments.of("trustDomain: example.org\ndataDir: /tmp/x\nca:\n  ttl: 10s\n", "ca.ttl must be at least 1 minute"),
        Arguments.of("trustDomain: example.org\ndataDir: /tmp/x\ndatastore:\n  type: mysql\n", "datastore.type must be sqlite or postgresql"),
        Arguments.of("trustDomain: example.org\ndataDir: /tmp/x\ndatastore:\n  type: postgresql\n", "url is required when type is postgresql"),
        Arguments.of("trustDomain: example.org\ndataDir: /tmp/x\nsvid:\n  defaultX509SvidTtl: 48h\n", "svid.defaultX509SvidTtl must be shorter than ca.ttl"),
        Arguments.of("trustDomain: example.org\ndataDir: /tmp/x\nca:\n  upstream:\n    certificateChainFile: /nonexistent.pem\n    keyFile: /nonexistent.key\n",
            "certificateChainFile does not exist or is not readable"));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "retention: {flows: -5h}|retention.flows; Cannot construct instance of `io.dropwizard.util.Duration`, problem: Invalid duration: -5h",
      "retention: {forwardedAudit: soon}|retention.forwardedAudit",
      "retention: {forever: 1h}|Unrecognized field at: retention.forever"})
  void unparseableRetentionNamesTheField(String yaml, String expected) {
    assertThatThrownBy(() -> load("trustDomain: example.org\ndataDir: /tmp/x\n" + yaml + "\n"))
        .isInstanceOf(io.dropwizard.configuration.ConfigurationException.class)
        .hasMessageContaining(expected);
  }

  @ParameterizedTest
  @MethodSource("badConfigs")
  void invalidConfigurationsNameTheFieldAndTheProblem(String yaml, String expected) {
    assertThatThrownBy(() -> load(yaml))
        .isInstanceOf(ConfigurationValidationException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void unknownFieldsAreRejectedWithTheirName() {
    assertThatThrownBy(() -> load("trustDomain: example.org\ndataDir: /tmp/x\ntrustDomian: typo\n"))
        .isInstanceOf(ConfigurationParsingException.class)
        .hasMessageContaining("Unrecognized field at: trustDomian");
  }
}
