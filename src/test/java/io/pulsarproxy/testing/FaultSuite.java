package io.pulsarproxy.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Puts a test class (or method) in the fault/soak suite: long runs, outages, failovers, killed
 * processes and load. {@code ./mvnw verify} runs it after the default suite, in an execution of its
 * own (the pom's {@code fault-suite}); {@code -DskipFaultSuite} leaves it out.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(FaultSuite.TAG)
public @interface FaultSuite {
  String TAG = "fault";
}
