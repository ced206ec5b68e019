// Create an EC P-256 key on the TSB (or the emulator), make a CSR, sign, and verify the
// signature locally with java.security. JDK only (java.net.http), no build tool:
//   javac -d out Example.java && java -cp out Example
// Reads TSB_URL (default http://127.0.0.1:8080).

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Example {
    static final String TSB_URL =
            System.getenv().getOrDefault("TSB_URL", "http://127.0.0.1:8080").replaceAll("/$", "");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static String call(String method, String path, String body) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        HttpRequest request = HttpRequest.newBuilder(URI.create(TSB_URL + path))
                .header("Content-Type", "application/json")
                .method(method, publisher)
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(
                    method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    /** The string value of a JSON field (the JDK has no JSON parser; a real client uses Jackson). */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        if (!m.find()) throw new IllegalStateException("no " + name + " in " + json);
        return m.group(1).replace("\\n", "\n").replace("\\/", "/");
    }

    public static void main(String[] args) throws Exception {
        String label = "example-java-" + UUID.randomUUID().toString().substring(0, 8);
        String info = call("POST", "/v1/key", """
                {"label": "%s", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
                 "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true},
                 "policy": null}""".formatted(label));
        byte[] spki = Base64.getDecoder().decode(field(info, "publicKey"));
        PublicKey publicKey = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
        System.out.println("created " + label);

        String csr = field(call("POST", "/v1/certificate/synchronous/request", """
                {"signKeyName": "%s", "signatureAlgorithm": "SHA256_WITH_ECDSA", "validity": 365,
                 "standardCertificateAttributes": {"commonName": "%s", "country": "CH"}}"""
                .formatted(label, label)), "certificateSigningRequest");
        // java.security has no CSR parser: check the PEM armour (the Go, Python and curl
        // examples verify the CSR's own signature).
        if (!csr.matches("(?s)-----BEGIN (NEW )?CERTIFICATE REQUEST-----.*")) {
            throw new IllegalStateException("not a CSR: " + csr);
        }
        System.out.println("CSR received");

        byte[] message = "Hello TSB".getBytes(StandardCharsets.UTF_8);
        String signed = call("POST", "/v1/synchronousSign", """
                {"signRequest": {"payload": "%s", "payloadType": "UNSPECIFIED", "signKeyName": "%s",
                 "signatureAlgorithm": "SHA256_WITH_ECDSA", "signatureType": "DER"}}"""
                .formatted(Base64.getEncoder().encodeToString(message), label));
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(publicKey);
        verifier.update(message);
        if (!verifier.verify(Base64.getDecoder().decode(field(signed, "signature")))) {
            throw new IllegalStateException("the signature does not verify");
        }
        System.out.println("signature verifies (java.security)");

        call("DELETE", "/v1/key/" + label, null);
        System.out.println("ok");
    }
}
