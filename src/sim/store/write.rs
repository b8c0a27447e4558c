//! The store's write path: create (with generateName), update (PUT, resourceVersion preconditions),
//! status writes, patches (merge, JSON, simplified apply), delete, and raw upserts for tests — each
//! committing one resourceVersion, one history entry and one broadcast.

use super::defaults::apply_defaults;
use super::meta::{
    meta_str, metadata_mut, new_uid, now_rfc3339, random_suffix, record_manager, same_content,
    spec_changed,
};
use super::validation::{check_immutable, name_required, validate};
use super::{
    Change, ChangeType, ObjectKey, Patch, Result, State, Store, StoreError, Subresource,
    WriteOptions,
};
use crate::sim::resource::{GroupResource, ResourceDef};
use serde_json::{Map, Value, json};
use std::sync::Arc;

const DEFAULT_MANAGER: &str = "fluxops-sim";

fn manager(opts: &WriteOptions) -> &str {
    opts.field_manager.as_deref().unwrap_or(DEFAULT_MANAGER)
}

fn not_found(key: &ObjectKey) -> StoreError {
    StoreError::NotFound {
        resource: key.resource.clone(),
        name: key.name.clone(),
    }
}

fn bad_body() -> StoreError {
    StoreError::BadRequest("the body of the request was not a JSON object".to_owned())
}

impl State {
    fn lookup(&self, key: &ObjectKey) -> Option<&Arc<Value>> {
        self.objects
            .get(&key.resource)?
            .get(&(key.namespace.clone(), key.name.clone()))
    }
}

impl Store {
    /// Stamps `resourceVersion`, stores (or removes) the object, records and broadcasts the change.
    fn commit(
        &self,
        state: &mut State,
        key: &ObjectKey,
        type_: ChangeType,
        mut obj: Value,
    ) -> Arc<Value> {
        state.resource_version += 1;
        let rv = state.resource_version;
        if type_ != ChangeType::Deleted {
            super::secret::merge_string_data(&mut obj);
        }
        if let Some(meta) = metadata_mut(&mut obj) {
            meta.insert("resourceVersion".to_owned(), Value::String(rv.to_string()));
        }
        let obj = Arc::new(obj);
        let slot = state.objects.entry(key.resource.clone()).or_default();
        let map_key = (key.namespace.clone(), key.name.clone());
        let previous = if type_ == ChangeType::Deleted {
            slot.remove(&map_key)
        } else {
            slot.insert(map_key, Arc::clone(&obj))
        };
        let change = Change {
            type_,
            resource: key.resource.clone(),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            object: Arc::clone(&obj),
            previous,
            resource_version: rv,
        };
        state.history.push(change.clone());
        // No receivers is fine: nobody is watching.
        let _ = self.shared.changes.send(change);
        obj
    }

    /// Creates an object of `resource` in `namespace` (ignored for cluster-scoped kinds).
    /// `generateName` is honoured; `status` is reset (and defaulted for Kustomization/HelmRelease)
    /// where a status subresource exists.
    ///
    /// # Errors
    /// `AlreadyExists`, `Invalid` (schema), `BadRequest` (namespace mismatch, not an object).
    pub fn create(
        &self,
        resource: &GroupResource,
        namespace: &str,
        obj: Value,
        opts: &WriteOptions,
    ) -> Result<Arc<Value>> {
        self.create_as(resource, namespace, obj, opts, "Update")
    }

    fn create_as(
        &self,
        resource: &GroupResource,
        namespace: &str,
        mut obj: Value,
        opts: &WriteOptions,
        operation: &str,
    ) -> Result<Arc<Value>> {
        let def = self.def(resource)?;
        prepare_type_meta(def, &mut obj)?;
        let namespace = if def.namespaced { namespace } else { "" };
        {
            let meta = metadata_mut(&mut obj).ok_or_else(bad_body)?;
            match meta.get("namespace").and_then(Value::as_str) {
                Some(given) if def.namespaced && !given.is_empty() && given != namespace => {
                    return Err(StoreError::BadRequest(
                        "the namespace of the provided object does not match the namespace sent on the request"
                            .to_owned(),
                    ));
                }
                _ => {}
            }
            if def.namespaced {
                meta.insert("namespace".to_owned(), json!(namespace));
            } else {
                meta.remove("namespace");
            }
            for field in [
                "resourceVersion",
                "uid",
                "deletionTimestamp",
                "managedFields",
            ] {
                meta.remove(field);
            }
        }
        if def.status_subresource
            && let Some(map) = obj.as_object_mut()
        {
            map.remove("status");
        }
        let mut state = self.write();
        let name = match meta_str(&obj, "name").filter(|n| !n.is_empty()) {
            Some(n) => n.to_owned(),
            None => {
                let prefix = meta_str(&obj, "generateName")
                    .filter(|g| !g.is_empty())
                    .ok_or_else(|| name_required(def))?
                    .to_owned();
                let mut candidate = format!("{prefix}{}", random_suffix());
                while state
                    .lookup(&ObjectKey::new(resource.clone(), namespace, &candidate))
                    .is_some()
                {
                    candidate = format!("{prefix}{}", random_suffix());
                }
                candidate
            }
        };
        if let Some(meta) = metadata_mut(&mut obj) {
            meta.insert("name".to_owned(), json!(name));
        }
        validate(def, &obj)?;
        let key = ObjectKey::new(resource.clone(), namespace, &name);
        if state.lookup(&key).is_some() {
            return Err(StoreError::AlreadyExists {
                resource: resource.clone(),
                name,
            });
        }
        let now = now_rfc3339();
        let uid = new_uid();
        if let Some(meta) = metadata_mut(&mut obj) {
            meta.insert("uid".to_owned(), json!(uid));
            meta.insert("creationTimestamp".to_owned(), json!(now));
            if def.has_generation {
                meta.insert("generation".to_owned(), json!(1));
            } else {
                meta.remove("generation");
            }
        }
        apply_defaults(def, &mut obj, namespace, &name, &uid);
        let api_version = type_api_version(&obj, def);
        record_manager(
            &mut obj,
            manager(opts),
            operation,
            false,
            &api_version,
            &now,
        );
        if opts.dry_run {
            super::secret::merge_string_data(&mut obj);
            return Ok(Arc::new(obj));
        }
        Ok(self.commit(&mut state, &key, ChangeType::Added, obj))
    }

    /// Replaces an object (HTTP PUT). The body's `metadata.resourceVersion` must match the stored
    /// one (custom resources require it); `status` is kept from the stored object where a status
    /// subresource exists. `generation` bumps when anything but metadata/status changed.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` (stale resourceVersion), `Invalid`, `BadRequest` (name mismatch).
    pub fn update(&self, key: &ObjectKey, obj: Value, opts: &WriteOptions) -> Result<Arc<Value>> {
        self.replace(key, obj, Subresource::Main, opts, true, "Update")
    }

    /// Replaces `status` wholesale (HTTP PUT `…/status` takes the whole object; in-process callers
    /// pass just the new status).
    ///
    /// # Errors
    /// `NotFound`.
    pub fn update_status(&self, key: &ObjectKey, status: Value) -> Result<Arc<Value>> {
        let current = self.get(key).ok_or_else(|| not_found(key))?;
        let mut obj = (*current).clone();
        if let Some(map) = obj.as_object_mut() {
            map.insert("status".to_owned(), status);
        }
        self.replace(
            key,
            obj,
            Subresource::Status,
            &WriteOptions::default(),
            false,
            "Update",
        )
    }

    /// HTTP PUT on `…/status` (or the main resource when `sub` is `Main`) with a whole object.
    ///
    /// # Errors
    /// As `update`.
    pub fn put(
        &self,
        key: &ObjectKey,
        obj: Value,
        sub: Subresource,
        opts: &WriteOptions,
    ) -> Result<Arc<Value>> {
        self.replace(key, obj, sub, opts, true, "Update")
    }

    /// Merge-patches `status` (in-process convenience for controllers).
    ///
    /// # Errors
    /// `NotFound`.
    pub fn patch_status(&self, key: &ObjectKey, status_patch: &Value) -> Result<Arc<Value>> {
        self.patch(
            key,
            &Patch::Merge(json!({ "status": status_patch })),
            Subresource::Status,
            &WriteOptions::default(),
        )
    }

    /// Sets (`Some`) or removes (`None`) annotations with a merge patch on the main resource.
    ///
    /// # Errors
    /// `NotFound`.
    pub fn patch_metadata_annotations(
        &self,
        key: &ObjectKey,
        annotations: &[(&str, Option<&str>)],
    ) -> Result<Arc<Value>> {
        let map: Map<String, Value> = annotations
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.map_or(Value::Null, |s| json!(s))))
            .collect();
        self.patch(
            key,
            &Patch::Merge(json!({ "metadata": { "annotations": map } })),
            Subresource::Main,
            &WriteOptions::default(),
        )
    }

    /// Patches an object. `Apply` creates the object when it does not exist.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` (resourceVersion in the patch is stale), `Invalid`, `BadRequest`.
    pub fn patch(
        &self,
        key: &ObjectKey,
        patch: &Patch,
        sub: Subresource,
        opts: &WriteOptions,
    ) -> Result<Arc<Value>> {
        let Some(current) = self.get(key) else {
            return match (patch, sub) {
                (Patch::Apply(body), Subresource::Main) => {
                    let mut body = body.clone();
                    if let Some(meta) = metadata_mut(&mut body) {
                        meta.insert("name".to_owned(), json!(key.name));
                    }
                    self.create_as(&key.resource, &key.namespace, body, opts, "Apply")
                }
                _ => Err(not_found(key)),
            };
        };
        let mut obj = (*current).clone();
        match patch {
            Patch::Merge(p) | Patch::Apply(p) => json_patch::merge(&mut obj, p),
            Patch::Json(p) => json_patch::patch(&mut obj, &p.0)
                .map_err(|e| StoreError::Unprocessable(e.to_string()))?,
        }
        let operation = if matches!(patch, Patch::Apply(_)) {
            "Apply"
        } else {
            "Update"
        };
        self.replace(key, obj, sub, opts, false, operation)
    }

    /// The shared tail of PUT and PATCH: preserve what may not change, validate, bump generation,
    /// skip no-ops, commit.
    fn replace(
        &self,
        key: &ObjectKey,
        mut obj: Value,
        sub: Subresource,
        opts: &WriteOptions,
        is_put: bool,
        operation: &str,
    ) -> Result<Arc<Value>> {
        let def = self.def(&key.resource)?;
        if !obj.is_object() {
            return Err(bad_body());
        }
        let mut state = self.write();
        let current = Arc::clone(state.lookup(key).ok_or_else(|| not_found(key))?);
        let given_rv = meta_str(&obj, "resourceVersion").unwrap_or_default();
        let current_rv = meta_str(&current, "resourceVersion").unwrap_or_default();
        if !given_rv.is_empty() && given_rv != current_rv {
            return Err(StoreError::Conflict {
                resource: key.resource.clone(),
                name: key.name.clone(),
            });
        }
        if is_put && given_rv.is_empty() && def.custom {
            return Err(StoreError::Invalid {
                group: def.group.to_owned(),
                kind: def.kind.to_owned(),
                name: key.name.clone(),
                causes: vec![super::Cause {
                    reason: "FieldValueInvalid".to_owned(),
                    message: "Invalid value: 0x0: must be specified for an update".to_owned(),
                    field: "metadata.resourceVersion".to_owned(),
                }],
            });
        }
        if let Some(given) = meta_str(&obj, "name")
            && given != key.name
        {
            return Err(StoreError::BadRequest(
                "the name of the object does not match the name on the URL".to_owned(),
            ));
        }
        let mut next = match sub {
            Subresource::Status => {
                let mut next = (*current).clone();
                if let (Some(map), Some(status)) = (
                    next.as_object_mut(),
                    obj.as_object_mut().and_then(|o| o.remove("status")),
                ) {
                    map.insert("status".to_owned(), status);
                }
                next
            }
            Subresource::Main => {
                prepare_type_meta(def, &mut obj)?;
                if def.status_subresource
                    && let Some(map) = obj.as_object_mut()
                {
                    match current.get("status") {
                        Some(status) => map.insert("status".to_owned(), status.clone()),
                        None => map.remove("status"),
                    };
                }
                preserve_system_meta(&current, &mut obj);
                super::defaults::update_defaults(def, &mut obj);
                obj
            }
        };
        validate(def, &next)?;
        check_immutable(def, &current, &next)?;
        if def.has_generation && sub == Subresource::Main && spec_changed(&current, &next) {
            let generation = current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if let Some(meta) = metadata_mut(&mut next) {
                meta.insert("generation".to_owned(), json!(generation + 1));
            }
        }
        if same_content(&current, &next) {
            return Ok(current);
        }
        let api_version = type_api_version(&next, def);
        record_manager(
            &mut next,
            manager(opts),
            operation,
            sub == Subresource::Status,
            &api_version,
            &now_rfc3339(),
        );
        if opts.dry_run {
            // The answer is what would be stored: a Secret's stringData already in data.
            super::secret::merge_string_data(&mut next);
            return Ok(Arc::new(next));
        }
        Ok(self.commit(&mut state, key, ChangeType::Modified, next))
    }

    /// Deletes an object; returns its last state (stamped with the deletion's resourceVersion).
    ///
    /// # Errors
    /// `NotFound`.
    /// Deleting a Namespace deletes everything in it first (the namespace controller's work,
    /// done at once).
    pub fn delete(&self, key: &ObjectKey, opts: &WriteOptions) -> Result<Arc<Value>> {
        let mut state = self.write();
        let current = Arc::clone(state.lookup(key).ok_or_else(|| not_found(key))?);
        if opts.dry_run {
            return Ok(current);
        }
        if key.resource == GroupResource::new("", "namespaces") {
            let contained: Vec<(ObjectKey, Arc<Value>)> = state
                .objects
                .iter()
                .flat_map(|(resource, objects)| {
                    objects.iter().filter(|((ns, _), _)| *ns == key.name).map(
                        |((ns, name), obj)| {
                            (ObjectKey::new(resource.clone(), ns, name), Arc::clone(obj))
                        },
                    )
                })
                .collect();
            for (inner, obj) in contained {
                self.commit(&mut state, &inner, ChangeType::Deleted, (*obj).clone());
            }
        }
        Ok(self.commit(&mut state, key, ChangeType::Deleted, (*current).clone()))
    }

    /// Stores `obj` as given (test control and fleet loading): creates or replaces it without
    /// validation, keeping `status` and stamping uid/creationTimestamp/generation when missing.
    ///
    /// # Errors
    /// `BadRequest` when `obj` lacks apiVersion/kind/metadata.name; `UnknownResource`.
    pub fn upsert(&self, mut obj: Value) -> Result<Arc<Value>> {
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let group = api_version
            .rsplit_once('/')
            .map_or("", |(g, _)| g)
            .to_owned();
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let def = self.shared.registry.by_kind(&group, &kind).ok_or_else(|| {
            StoreError::BadRequest(format!("no resource for {api_version} {kind}"))
        })?;
        let name = meta_str(&obj, "name")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| StoreError::BadRequest("metadata.name is required".to_owned()))?
            .to_owned();
        let namespace = if def.namespaced {
            meta_str(&obj, "namespace").unwrap_or("default").to_owned()
        } else {
            String::new()
        };
        let key = ObjectKey::new(def.group_resource(), &namespace, &name);
        // Seeded objects carry the API server's defaults, as every stored object of a real one does.
        super::defaults::update_defaults(def, &mut obj);
        let mut state = self.write();
        let current = state.lookup(&key).cloned();
        let generation_bump = def.has_generation;
        if let Some(meta) = metadata_mut(&mut obj) {
            if def.namespaced {
                meta.insert("namespace".to_owned(), json!(namespace));
            }
            if let Some(cur) = &current {
                for field in ["uid", "creationTimestamp"] {
                    if let Some(v) = cur.pointer(&format!("/metadata/{field}")) {
                        meta.entry(field).or_insert_with(|| v.clone());
                    }
                }
            }
            meta.entry("uid").or_insert_with(|| json!(new_uid()));
            meta.entry("creationTimestamp")
                .or_insert_with(|| json!(now_rfc3339()));
        }
        if generation_bump
            && meta_str(&obj, "generation").is_none()
            && obj.pointer("/metadata/generation").is_none()
        {
            let generation = match &current {
                Some(cur) => {
                    let g = cur
                        .pointer("/metadata/generation")
                        .and_then(Value::as_i64)
                        .unwrap_or(1);
                    if spec_changed(cur, &obj) { g + 1 } else { g }
                }
                None => 1,
            };
            if let Some(meta) = metadata_mut(&mut obj) {
                meta.insert("generation".to_owned(), json!(generation));
            }
        }
        let type_ = if current.is_some() {
            ChangeType::Modified
        } else {
            ChangeType::Added
        };
        Ok(self.commit(&mut state, &key, type_, obj))
    }
}

fn type_api_version(obj: &Value, def: &ResourceDef) -> String {
    obj.get("apiVersion")
        .and_then(Value::as_str)
        .map_or_else(|| def.api_version(def.storage_version), str::to_owned)
}

/// Fills `apiVersion`/`kind` when missing and checks the kind matches.
fn prepare_type_meta(def: &ResourceDef, obj: &mut Value) -> Result<()> {
    let map = obj.as_object_mut().ok_or_else(bad_body)?;
    map.entry("apiVersion")
        .or_insert_with(|| json!(def.api_version(def.storage_version)));
    match map.get("kind").and_then(Value::as_str) {
        Some(kind) if kind != def.kind => Err(StoreError::BadRequest(format!(
            "the kind of the provided object ({kind}) does not match the resource ({})",
            def.kind
        ))),
        Some(_) => Ok(()),
        None => {
            map.insert("kind".to_owned(), json!(def.kind));
            Ok(())
        }
    }
}

/// Keeps server-owned metadata (uid, creationTimestamp, generation, namespace, name) from `current`.
fn preserve_system_meta(current: &Value, obj: &mut Value) {
    let Some(meta) = metadata_mut(obj) else {
        return;
    };
    for field in [
        "uid",
        "creationTimestamp",
        "generation",
        "namespace",
        "name",
        "managedFields",
        "resourceVersion",
    ] {
        match current.pointer(&format!("/metadata/{field}")) {
            Some(v) => meta.insert(field.to_owned(), v.clone()),
            None => meta.remove(field),
        };
    }
}
