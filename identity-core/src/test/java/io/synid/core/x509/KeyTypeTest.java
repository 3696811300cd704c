package io.synid.core.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KeyTypeTest {

    @Test
    void namesAndAlgorithmsMatchSpire() {
        assertThat(KeyType.EC_P256.configName()).isEqualTo("ec-p256");
        assertThat(KeyType.EC_P384.configName()).isEqualTo("ec-p384");
        assertThat(KeyType.RSA_2048.configName()).isEqualTo("rsa-2048");
        assertThat(KeyType.EC_P256.jwtAlgorithm()).isEqualTo("ES256");
        assertThat(KeyType.EC_P384.jwtAlgorithm()).isEqualTo("ES384");
        assertThat(KeyType.RSA_2048.jwtAlgorithm()).isEqualTo("RS256");
        assertThat(KeyType.EC_P256.x509SignatureAlgorithm()).isEqualTo("SHA256withECDSA");
        assertThat(KeyType.EC_P384.x509SignatureAlgorithm()).isEqualTo("SHA384withECDSA");
        assertThat(KeyType.RSA_2048.x509SignatureAlgorithm()).isEqualTo("SHA256withRSA");
    }

    @Test
    void fromConfigNameListsTheValidNamesOnError() {
        assertThat(KeyType.fromConfigName("ec-p384")).isEqualTo(KeyType.EC_P384);
        assertThatThrownBy(() -> KeyType.fromConfigName("EC-P256"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown key type \"EC-P256\"; valid key types are ec-p256, ec-p384, rsa-2048");
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void generatesKeysThatSignWithTheirAlgorithmAndAreRecognised(KeyType type) throws Exception {
        KeyPair keyPair = type.generate();
        assertThat(KeyType.of(keyPair.getPublic())).contains(type);
        assertThat(KeyType.of(keyPair.getPrivate())).contains(type);
        Signature signer = Signature.getInstance(type.x509SignatureAlgorithm());
        signer.initSign(keyPair.getPrivate());
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(type.x509SignatureAlgorithm());
        verifier.initVerify(keyPair.getPublic());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).isTrue();
        if (type == KeyType.RSA_2048) {
            assertThat(((RSAPublicKey) keyPair.getPublic()).getModulus().bitLength()).isEqualTo(2048);
        } else {
            assertThat(keyPair.getPublic()).isInstanceOf(ECPublicKey.class);
        }
    }

    @Test
    void otherKeysHaveNoKeyType() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp521r1"));
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(3072);
        assertThat(KeyType.of(ec.generateKeyPair().getPublic())).isEmpty();
        assertThat(KeyType.of(rsa.generateKeyPair().getPublic())).isEmpty();
        assertThat(KeyType.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic())).isEmpty();
    }
}
