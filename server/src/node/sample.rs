//! Fictional sample assessments for trying a node out, loaded into an empty
//! store on request. They pass the same validation as any other input.

use chrono::Utc;
use serde::Deserialize;

use crate::model::assessment::{Assessment, AssessmentContent};
use crate::model::reference::ReferenceData;
use crate::store::Store;

const SAMPLES: &str = include_str!("../../../deploy/samples/assessments.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    status: SampleStatus,
    content: AssessmentContent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SampleStatus {
    Draft,
    InReview,
    Published,
}

/// Loads the samples into `store` when it holds no assessment yet; returns
/// how many were loaded.
pub(super) async fn load(
    store: &Store,
    reference: &ReferenceData,
    organisation: &str,
) -> Result<usize, String> {
    if !store.latest_assessments().map_err(|e| e.to_string())?.is_empty() {
        return Ok(0);
    }
    let samples = parse(reference)?;
    let now = Utc::now();
    for (i, sample) in samples.iter().enumerate() {
        let id = uuid::Uuid::now_v7().to_string();
        let mut assessment =
            Assessment::new_draft(id, sample.content.clone(), organisation, "sample-analyst", now);
        if sample.status != SampleStatus::Draft {
            assessment = assessment.submit(now).map_err(|e| e.to_string())?;
        }
        if sample.status == SampleStatus::Published {
            assessment = assessment
                .publish("sample-reviewer", now)
                .map_err(|e| e.to_string())?;
        }
        store
            .insert_assessment(&assessment)
            .await
            .map_err(|e| format!("sample {i}: {e}"))?;
    }
    Ok(samples.len())
}

fn parse(reference: &ReferenceData) -> Result<Vec<Sample>, String> {
    let samples: Vec<Sample> = serde_norway::from_str(SAMPLES).map_err(|e| e.to_string())?;
    for (i, sample) in samples.iter().enumerate() {
        sample
            .content
            .validate(reference)
            .map_err(|e| format!("sample {i}: {}", e.under("content")))?;
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn samples_are_valid_and_load_once() {
        let reference = ReferenceData::embedded().unwrap();
        assert_eq!(parse(&reference).unwrap().len(), 3);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(load(&store, &reference, "xaa-gov").await.unwrap(), 3);
        assert_eq!(load(&store, &reference, "xaa-gov").await.unwrap(), 0);
        assert_eq!(store.latest_assessments().unwrap().len(), 3);
    }
}
